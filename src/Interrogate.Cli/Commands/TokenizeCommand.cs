using System.CommandLine;
using Interrogate.Cli.Output;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate tokenize`: token ids of a text under a model's tokenizer.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var text = ModelOptions.TextFile();
        var json = CommonOptions.Json();
        var command = new Command("tokenize", "Token ids of a text file") { model, text, json };
        command.SetAction(parsed =>
        {
            var tokenizer = ModelOptions.LoadTokenizer(parsed.GetValue(model)!);
            var ids = tokenizer.Encode(ModelOptions.ReadText(parsed.GetValue(text)!));
            if (parsed.GetValue(json)) { Terminal.WriteJson(new { ids }); return ExitCodes.Ok; }
            foreach (var id in ids) System.Console.WriteLine($"{id,8}  {tokenizer.TokenText(id).Replace("\n", "\\n", StringComparison.Ordinal)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
