using Interrogate.Subjects;
using System.CommandLine;
using Interrogate.Analysis;
using Interrogate.Cli.Output;
using Interrogate.Tensors;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate loss`: token count and mean next-token cross-entropy of a text under a model.</summary>
internal static class LossCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var text = ModelOptions.TextFile();
        var bos = new Option<bool>("--prepend-bos") { Description = "Prepend the tokenizer's BOS token (off by default, as in Hugging Face)" };
        var json = CommonOptions.Json();
        var command = new Command("loss", "Mean cross-entropy (nats/token) of a text, in windows of the model's context") { model, text, bos, json };
        command.SetAction(parsed =>
        {
            var dir = parsed.GetValue(model)!;
            var tokenizer = ModelOptions.LoadTokenizer(dir);
            var lm = ModelOptions.LoadModel(dir);
            var ids = tokenizer.Encode(ModelOptions.ReadText(parsed.GetValue(text)!));
            if (parsed.GetValue(bos))
            {
                int bosId = tokenizer.BosId ?? throw new InputException($"--prepend-bos: the tokenizer in {dir} has no BOS token");
                ids = [bosId, .. ids];
            }
            if (ids.Length < 2)
                throw new InputException($"--text {parsed.GetValue(text)}: has {ids.Length} token(s); at least 2 are needed to measure a next-token loss");
            var result = Terminal.WithProgress("scoring", report =>
            {
                // Read-only: every window multiplies by the same weights, so each is packed for the GEMM once (same bits);
                // each batch's logits are scored before the next pass, so one logits buffer serves every pass.
                using var packs = new PrepackedWeights();
                using var logits = new Models.Transformer.ReusedLogits();
                return TextLoss.Measure(lm, ids, progress: f => report("scoring", f));
            });
            if (parsed.GetValue(json)) Terminal.WriteJson(new { tokens = result.Tokens, loss = result.MeanLoss });
            else System.Console.WriteLine($"{result.Tokens} tokens, mean loss {result.MeanLoss:F4} nats/token over {result.Predictions} predictions (perplexity {Math.Exp(result.MeanLoss):F2})");
            return ExitCodes.Ok;
        });
        return command;
    }
}
