using System.CommandLine;
using System.Globalization;
using Interrogate.Analysis.Trace;
using Interrogate.Cli.Output;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate trace`: one prediction, step by step.</summary>
internal static class TraceCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var text = new Option<string>("--text") { Description = "The text whose next-token prediction is traced", Required = true };
        var position = new Option<int>("--position") { Description = "Token position to trace (negative counts from the end)", DefaultValueFactory = _ => -1 };
        var neuron = new Option<string?>("--neuron") { Description = "A neuron to decompose, as LAYER.INDEX (blocks.LAYER.mlp.hook_post[INDEX])" };
        var units = UnitsOption.Create();
        units.Description = "Also split the dictionary's hook into its active features (sae:DIR or transcoder:DIR): each feature's direct logit effect, "
            + "the decoder bias and the reconstruction error, summing to the logit with the rest";
        var json = CommonOptions.Json();
        var command = new Command("trace", "The math of one prediction: direct logit attribution per head and MLP, attention sources, a neuron's inputs, a dictionary's features")
        {
            model, text, position, neuron, units, json,
        };
        command.SetAction(parsed =>
        {
            var dir = parsed.GetValue(model)!;
            var tokenizer = ModelOptions.LoadTokenizer(dir);
            var lm = ModelOptions.LoadModel(dir);
            var target = parsed.GetValue(neuron) is { } spec ? ParseNeuron(spec) : ((int, int)?)null;
            var features = parsed.GetValue(units) is { } dictionary ? UnitsOption.Attach(lm, dictionary) : null;
            var result = PredictionTracer.Trace(lm, tokenizer, tokenizer.Encode(parsed.GetValue(text)!), parsed.GetValue(position), target, features);
            if (parsed.GetValue(json)) Terminal.WriteJson(result);
            else Print(result);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static (int, int) ParseNeuron(string spec)
    {
        var parts = spec.Split('.');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int layer)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            throw new InputException($"--neuron: expected LAYER.INDEX such as 3.1024, got '{spec}'");
        return (layer, index);
    }

    private static void PrintFeatures(TraceResult r, FeatureTrace f)
    {
        var console = Terminal.Out;
        console.MarkupLine(Markup.Escape(
            FormattableString.Invariant($"\n{f.Hook} at position {r.Position} wrote {f.HookDirectLogit:+0.000;-0.000} towards {r.Predicted.Token.Replace("\n", "\\n", StringComparison.Ordinal)}: ")
            + FormattableString.Invariant($"{f.Active.Count} active features {f.Active.Sum(a => a.DirectLogit):+0.000;-0.000}, decoder bias {f.DecoderBiasDirectLogit:+0.000;-0.000}, ")
            + FormattableString.Invariant($"reconstruction error {f.ErrorDirectLogit:+0.000;-0.000} (|error| {f.ErrorNorm:F3} of |hook| {f.HookNorm:F3})")));
        var table = new Table().Title(Markup.Escape(f.FeatureHook)).AddColumns("feature", "activation", "direct logit", "effect on the top predictions");
        foreach (var a in f.Active.Take(12))
            table.AddRow($"{a.Feature}", FormattableString.Invariant($"{a.Activation:F4}"), FormattableString.Invariant($"{a.DirectLogit:+0.000;-0.000}"),
                string.Join(", ", a.LogitEffects.Select(e => Show(e.Source) + FormattableString.Invariant($" {e.Value:+0.000;-0.000}"))));
        if (f.Active.Count > 0) console.Write(table);
        console.MarkupLine(FormattableString.Invariant($"with the hook split into features, all {f.Components.Count} parts sum to {f.ComponentsSum:F4} (logit {r.Logit:F4})"));
    }

    private static string Show(string token) => Markup.Escape(token.Replace("\n", "\\n", StringComparison.Ordinal));

    private static void Print(TraceResult r)
    {
        var console = Terminal.Out;
        console.MarkupLine($"position {r.Position} ([bold]{Show(r.Tokens[r.Position])}[/]) → predicts [bold]{Show(r.Predicted.Token)}[/] with p = {r.Predicted.Probability:P1} (logit {r.Logit:F3})");
        console.MarkupLine("top predictions: " + string.Join(", ", r.TopPredictions.Select(t => $"{Show(t.Token)} {t.Probability:P1}")));
        var layers = new Table().Title("what each layer wrote towards the predicted token (direct logit attribution, final norm frozen)")
            .AddColumns("layer", "|resid| before → after", "MLP", "heads (logit; top attended sources)");
        foreach (var l in r.Layers)
        {
            var heads = string.Join("\n", l.Heads.Select(h => $"H{h.Head} {h.DirectLogit,7:+0.000;-0.000}  " +
                string.Join(" ", h.TopSources.Select(s => $"{Show(s.Token)}@{s.Position}:{s.Weight:F2}"))));
            layers.AddRow($"{l.Layer}", $"{l.ResidualNormBefore:F2} → {l.ResidualNormAfter:F2}", $"{l.MlpDirectLogit:+0.000;-0.000}", heads);
        }
        console.Write(layers);
        var embed = r.DirectLogitAttribution.Where(c => !c.Source.StartsWith('L')).Select(c => $"{c.Source} {c.Value:+0.000;-0.000}");
        console.MarkupLine($"also: {string.Join(", ", embed)}; all parts sum to {r.AttributionSum:F4} (logit {r.Logit:F4})");
        if (r.Features is { } f) PrintFeatures(r, f);
        if (r.Neuron is not { } n) return;
        console.MarkupLine($"\nneuron {n.Layer}.{n.Index}: pre-activation {n.PreActivation:F4} (sum of sources {n.SourcesSum:F4}), activation {n.PostActivation:F4}");
        var sources = new Table().AddColumns("source", "adds to pre-activation");
        foreach (var s in n.PreActivationSources.OrderByDescending(s => Math.Abs(s.Value)).Take(12)) sources.AddRow(s.Source, $"{s.Value:+0.0000;-0.0000}");
        console.Write(sources);
        console.MarkupLine("its direct effect on the top logits: " + string.Join(", ", n.LogitEffects.Select(e => $"{Show(e.Source)} {e.Value:+0.000;-0.000}")));
    }
}
