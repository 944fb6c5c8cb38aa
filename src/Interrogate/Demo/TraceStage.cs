using System.Globalization;
using Interrogate.Analysis.Trace;
using Interrogate.Models.Transformer;
using Interrogate.Reports;
using Interrogate.Text;

namespace Interrogate.Demo;

/// <summary>The math of one prediction: which layer and head wrote the predicted token, and (optionally) one neuron's inputs.</summary>
internal static class TraceStage
{
    public static DemoSection Run(CausalLanguageModel model, ITokenizer tokenizer, string prompt, (int Layer, int Index)? neuron)
    {
        var ids = tokenizer.Encode(prompt);
        var trace = PredictionTracer.Trace(model, tokenizer, ids, ids.Length - 1, neuron);
        var answer = string.Create(CultureInfo.InvariantCulture,
            $"After “{prompt}” the model predicts “{trace.Predicted.Token}” with p = {trace.Predicted.Probability:P1}" +
            $"{RunnerUp(trace)}. Its logit {trace.Logit:F2} splits into {trace.DirectLogitAttribution.Count} per-component contributions " +
            $"summing to {trace.AttributionSum:F2} (gap {Math.Abs(trace.Logit - trace.AttributionSum):G2}); {Largest(trace.DirectLogitAttribution, "contributions")}.");
        if (trace.Neuron is { } n)
        {
            answer += string.Create(CultureInfo.InvariantCulture,
                $" Neuron L{n.Layer}.N{n.Index} has pre-activation {n.PreActivation:F2} (its {n.PreActivationSources.Count} sources sum to {n.SourcesSum:F2}); " +
                $"{Largest(n.PreActivationSources, "inputs")}.");
        }
        return new DemoSection("trace", "What does the model compute for one prediction?", answer, trace, report => Render(report, trace));
    }

    private static void Render(HtmlReport report, TraceResult trace)
    {
        report.Paragraph("Tokens: " + string.Join(" | ", trace.Tokens));
        report.Table(["candidate", "probability", "logit"],
            trace.TopPredictions.Select(p => (IReadOnlyList<string>)[Quote(p.Token), Num(p.Probability, "P1"), Num(p.Logit, "F2")]));
        report.Table(["layer", "|resid| before → after", "MLP → logit", "heads → logit (top sources)"],
            trace.Layers.Select(l => (IReadOnlyList<string>)[
                l.Layer.ToString(CultureInfo.InvariantCulture),
                $"{Num(l.ResidualNormBefore, "F1")} → {Num(l.ResidualNormAfter, "F1")}",
                Num(l.MlpDirectLogit, "+0.000;-0.000;0.000"),
                string.Join("; ", l.Heads.Select(h => $"H{h.Head} {Num(h.DirectLogit, "+0.00;-0.00;0.00")} ({string.Join(", ", h.TopSources.Take(2).Select(s => $"{s.Token.Trim()}@{s.Position}"))})"))]));
        report.Charts(SvgBarChart.Render("Direct logit attribution of the predicted token", "logit",
            [.. trace.DirectLogitAttribution.Select(c => new Bar(c.Source, c.Value))]));
        if (trace.Neuron is { } n)
        {
            report.Paragraph(string.Create(CultureInfo.InvariantCulture,
                $"Neuron L{n.Layer}.N{n.Index}: pre-activation {n.PreActivation:F3}; the sources below sum to {n.SourcesSum:F3} (gap {Math.Abs(n.PreActivation - n.SourcesSum):G2}); activation {n.PostActivation:F3}."));
            report.Charts(SvgBarChart.Render($"Inputs of neuron L{n.Layer}.N{n.Index} (pre-activation)", "contribution",
                    [.. n.PreActivationSources.Select(c => new Bar(c.Source, c.Value))]),
                SvgBarChart.Render($"Its direct effect on the top logits", "logit",
                    [.. n.LogitEffects.Select(c => new Bar(c.Source, c.Value))]));
        }
    }

    /// <summary>"the largest in size is L3 MLP (+2.10, 31% of the summed absolute contributions; next L2.H1, +1.20)", from the values alone.</summary>
    private static string Largest(IReadOnlyList<Contribution> parts, string what)
    {
        if (parts.Count == 0) return $"there are no {what}";
        var ranked = parts.OrderByDescending(c => Math.Abs(c.Value)).ToList();
        double total = ranked.Sum(c => Math.Abs(c.Value));
        string share = total > 0 ? string.Create(CultureInfo.InvariantCulture, $", {Math.Abs(ranked[0].Value) / total:P0} of the summed absolute {what}") : "";
        string next = ranked.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $"; next {ranked[1].Source}, {ranked[1].Value:+0.00;-0.00;0.00}") : "";
        return string.Create(CultureInfo.InvariantCulture, $"the largest in size is {ranked[0].Source} ({ranked[0].Value:+0.00;-0.00;0.00}{share}{next})");
    }

    /// <summary>", ahead of “ the” (p = 12.0%)" when there is a second candidate.</summary>
    private static string RunnerUp(TraceResult trace) =>
        trace.TopPredictions.Skip(1).FirstOrDefault() is { } second
            ? string.Create(CultureInfo.InvariantCulture, $", ahead of {Quote(second.Token)} (p = {second.Probability:P1})")
            : "";

    private static string Quote(string token) => $"“{token}”";

    private static string Num(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
