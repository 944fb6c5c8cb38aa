using System.CommandLine;
using Interrogate.Analysis.Attribution;
using Interrogate.Analysis.Verdicts;
using Interrogate.Cli.Output;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate attribute`: which neurons a prediction's log-probability leans on, by gradient×activation or integrated gradients.</summary>
internal static class AttributeCommand
{
    /// <summary>One hook's totals; Baseline and CompletenessError only for integrated gradients.</summary>
    private sealed record HookTotal(string Hook, double Sum, double? Baseline, double? CompletenessError, int Steps);

    /// <summary>One neuron's attribution, as LAYER.INDEX of its hook.</summary>
    private sealed record NeuronScore(string Neuron, string Hook, double Score);

    /// <summary>The --json object. TargetLogProb is f(x).</summary>
    private sealed record Output(string Text, int Tokens, int Position, string Target, string Method, double TargetLogProb, IReadOnlyList<HookTotal> Hooks, IReadOnlyList<NeuronScore> Top);

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model folder (default: $INTERROGATE_MODEL, else models/sotu-small)" };
        var text = new Option<string>("--text") { Description = "The prompt", Required = true };
        var position = new Option<int>("--position") { Description = "Position whose next-token prediction is attributed (negative counts from the end)", DefaultValueFactory = _ => -1 };
        var target = new Option<string?>("--target") { Description = "Token whose log-probability is attributed (default: the model's top prediction there)" };
        var method = new Option<string>("--method") { Description = "gxa (gradient×activation) or ig (integrated gradients from a zero baseline)", DefaultValueFactory = _ => "gxa" };
        var steps = new Option<int>("--steps") { Description = "Integration steps for ig", DefaultValueFactory = _ => 32 };
        var hook = new Option<string>("--hook") { Description = "Hook points; * matches one name part", DefaultValueFactory = _ => "blocks.*.mlp.hook_post" };
        var top = new Option<int>("--top") { Description = "Neurons listed (largest |attribution|)", DefaultValueFactory = _ => 10 };
        var units = UnitsOption.Create();
        var json = CommonOptions.Json();
        var command = new Command("attribute", "Attribute a prediction's log-probability to neurons (gradient×activation or integrated gradients with a completeness check)")
        {
            model, text, position, target, method, steps, hook, units, top, json,
        };
        command.SetAction(parsed =>
        {
            CommonOptions.RequirePositive(parsed.GetValue(top), "--top");
            CommonOptions.RequirePositive(parsed.GetValue(steps), "--steps");
            var how = parsed.GetValue(method)!;
            if (how is not ("gxa" or "ig")) throw new InputException($"--method: '{how}' is not one of gxa, ig");
            var folder = parsed.GetValue(model) ?? ModelOptions.DefaultModelDirectory();
            var tokenizer = ModelOptions.LoadTokenizer(folder);
            var lm = ModelOptions.LoadModel(folder);
            var ids = tokenizer.Encode(parsed.GetValue(text)!);
            if (ids.Length == 0) throw new InputException("--text: the prompt is empty");
            int pos = parsed.GetValue(position);
            int token = parsed.GetValue(target) is { } t ? CommonOptions.ParseToken(tokenizer, t, "--target") : CommonOptions.TopPrediction(lm, ids, pos);
            var goal = new AttributionTarget(ids, pos, token);
            var hooks = ConceptNeuronStudy.ResolveHooks(lm, UnitsOption.Resolve(lm, parsed.GetValue(units), parsed.GetValue(hook)!));
            var results = how == "gxa"
                ? NeuronAttribution.GradientTimesActivation(lm, goal, hooks)
                : [.. hooks.Select(h => NeuronAttribution.IntegratedGradients(lm, goal, h, null, parsed.GetValue(steps)))];
            var best = results.SelectMany(r => r.Scores.Select((s, n) => new NeuronScore($"{Layer(r.Hook)}.{n}", r.Hook, s)))
                .OrderByDescending(s => Math.Abs(s.Score)).Take(parsed.GetValue(top)).ToList();
            var output = new Output(parsed.GetValue(text)!, ids.Length, goal.ResolvedPosition, tokenizer.TokenText(token), how, results[0].Target,
                [.. results.Select(r => new HookTotal(r.Hook, r.Sum, r.Baseline, r.CompletenessError, r.Steps))], best);
            if (parsed.GetValue(json)) Terminal.WriteJson(output);
            else Print(output);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The block number of "blocks.L.…".</summary>
    private static string Layer(string hook) => hook.Split('.') is [_, var layer, ..] ? layer : hook;

    private static void Print(Output o)
    {
        var console = Terminal.Out;
        console.MarkupLine($"position {o.Position} of {o.Tokens}: log p([bold]{Markup.Escape(o.Target.Replace("\n", "\\n", StringComparison.Ordinal))}[/]) = {o.TargetLogProb:F4}; method {o.Method}");
        var table = new Table().AddColumns("neuron", "hook", "attribution");
        foreach (var s in o.Top) table.AddRow(s.Neuron, Markup.Escape(s.Hook), $"{s.Score:+0.00000;-0.00000}");
        console.Write(table);
        foreach (var h in o.Hooks)
            console.MarkupLine(Markup.Escape(h.CompletenessError is double e
                ? $"{h.Hook}: sum {h.Sum:F4} vs f(x) − f(0) = {o.TargetLogProb - h.Baseline:F4}; completeness error {e:E2} ({h.Steps} steps)"
                : $"{h.Hook}: sum {h.Sum:F4} (first order, no completeness guarantee)"));
    }
}
