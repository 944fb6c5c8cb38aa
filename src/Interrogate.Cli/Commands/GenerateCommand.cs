using System.CommandLine;
using Interrogate.Cli.Output;
using Interrogate.Models.Generation;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate generate`: continues a prompt with a KV cache (greedy, or sampled with a seed).</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var prompt = new Option<string>("--prompt") { Description = "Text to continue", Required = true };
        var count = new Option<int>("-n", "--max-new-tokens") { Description = "Tokens to generate", DefaultValueFactory = _ => 40 };
        var temperature = new Option<float>("--temperature") { Description = "0 = greedy; otherwise sample at this temperature", DefaultValueFactory = _ => 0f };
        var topK = new Option<int>("--top-k") { Description = "Sample among the k most likely tokens (0 = all)", DefaultValueFactory = _ => 0 };
        var topP = new Option<float>("--top-p") { Description = "Nucleus sampling: smallest set with this much probability", DefaultValueFactory = _ => 1f };
        var seed = CommonOptions.Seed();
        var bos = new Option<bool>("--prepend-bos") { Description = "Prepend the tokenizer's BOS token" };
        var json = CommonOptions.Json();
        var command = new Command("generate", "Continue a prompt") { model, prompt, count, temperature, topK, topP, seed, bos, json };
        command.SetAction(parsed =>
        {
            var dir = parsed.GetValue(model)!;
            var tokenizer = ModelOptions.LoadTokenizer(dir);
            var lm = ModelOptions.LoadModel(dir);
            var options = new GenerationOptions
            {
                MaxNewTokens = parsed.GetValue(count),
                Temperature = parsed.GetValue(temperature),
                TopK = parsed.GetValue(topK),
                TopP = parsed.GetValue(topP),
                Seed = parsed.GetValue(seed),
                EosId = tokenizer.EosId,
            };
            var text = parsed.GetValue(prompt)!;
            var promptIds = tokenizer.Encode(text);
            if (parsed.GetValue(bos)) promptIds = [tokenizer.BosId ?? throw new InputException($"--prepend-bos: the tokenizer in {dir} has no BOS token"), .. promptIds];
            var result = Generator.Generate(lm, promptIds, options, tokenizer);
            var continuation = tokenizer.Decode(result.Tokens);
            if (parsed.GetValue(json))
                Terminal.WriteJson(new { prompt = text, completion = continuation, tokens = result.Tokens, stop = result.Stop.ToString().ToLowerInvariant() });
            else
                System.Console.WriteLine(text + continuation);
            return ExitCodes.Ok;
        });
        return command;
    }
}
