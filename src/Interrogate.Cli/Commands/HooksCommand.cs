using System.CommandLine;
using Interrogate.Cli.Output;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate hooks`: every hook point of a model with its shape for a given batch and length.</summary>
internal static class HooksCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var batch = new Option<int>("--batch") { Description = "Batch size for the shapes shown", DefaultValueFactory = _ => 1 };
        var seq = new Option<int>("--seq") { Description = "Sequence length for the shapes shown", DefaultValueFactory = _ => 8 };
        var json = CommonOptions.Json();
        var command = new Command("hooks", "List the hook points (cacheable, editable activations) with shapes") { model, batch, seq, json };
        command.SetAction(parsed =>
        {
            int b = parsed.GetValue(batch), t = parsed.GetValue(seq);
            CommonOptions.RequirePositive(b, "--batch");
            CommonOptions.RequirePositive(t, "--seq");
            var lm = ModelOptions.LoadModel(parsed.GetValue(model)!);
            if (t > lm.Dimensions.ContextLength) throw new InputException($"--seq: {t} is longer than the model's context of {lm.Dimensions.ContextLength}");
            var hooks = lm.DescribeHookPoints(b, t);
            if (parsed.GetValue(json))
            {
                Terminal.WriteJson(new { model_type = lm.ModelType, hook_points = hooks.Select(h => new { name = h.Name, shape = h.Shape }) });
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("hook point", "shape");
            foreach (var (name, shape) in hooks) table.AddRow(Markup.Escape(name), Markup.Escape($"[{string.Join(", ", shape)}]"));
            Terminal.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
