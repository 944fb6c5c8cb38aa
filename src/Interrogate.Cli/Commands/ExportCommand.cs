using System.CommandLine;
using Interrogate.Cli.Output;
using Interrogate.Models.Onnx;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate export onnx`: a model folder as one ONNX file, hook points as extra outputs.</summary>
internal static class ExportCommand
{
    public static Command Create() => new("export", "Write a model in another format") { Onnx() };

    private static Command Onnx()
    {
        var model = ModelOptions.Model();
        var output = new Option<string>("--out") { Description = "The .onnx file to write (must not exist yet)", Required = true };
        var hooks = new Option<string?>("--hooks")
        {
            Description = "Hook points to add as outputs, comma-separated globs (e.g. 'blocks.*.mlp.hook_post'); names as `interrogate hooks` lists them",
        };
        var json = CommonOptions.Json();
        var command = new Command("onnx", "Export a language model (any supported family) or an MLP/conv classifier as ONNX (opset 17, dynamic batch and sequence)")
        {
            model, output, hooks, json,
        };
        command.SetAction(parsed =>
        {
            var path = parsed.GetValue(output)!;
            var result = OnnxExport.FromDirectory(parsed.GetValue(model)!, path, parsed.GetValue(hooks));
            if (parsed.GetValue(json))
            {
                Terminal.WriteJson(new { path, kind = result.Kind, opset = result.Opset, bytes = result.Bytes, outputs = new[] { "logits" }.Concat(result.Hooks) });
                return ExitCodes.Ok;
            }
            Terminal.Out.WriteLine($"wrote {path} ({result.Kind}, opset {result.Opset}, {result.Bytes / 1e6:F1} MB): logits"
                + (result.Hooks.Count > 0 ? $" + {result.Hooks.Count} hook outputs" : ""));
            return ExitCodes.Ok;
        });
        return command;
    }
}
