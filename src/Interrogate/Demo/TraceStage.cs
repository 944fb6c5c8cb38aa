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
        var top = trace.DirectLogitAttribution.OrderByDescending(c => Math.Abs(c.Value)).First();
        var answer = string.Create(CultureInfo.InvariantCulture,
            $"After “{prompt}” the model predicts “{trace.Predicted.Token}” with p = {trace.Predicted.Probability:P1}; " +
            $"its logit {trace.Logit:F2} splits exactly into per-component contributions (sum {trace.AttributionSum:F2}), " +
            $"the largest from {top.Source} ({top.Value:+0.00;-0.00;0.00}).");
        if (trace.Neuron is { } n)
        {
            var source = n.PreActivationSources.OrderByDescending(c => Math.Abs(c.Value)).First();
            answer += string.Create(CultureInfo.InvariantCulture,
                $" Neuron L{n.Layer}.N{n.Index} has pre-activation {n.PreActivation:F2}, mostly from {source.Source} ({source.Value:+0.00;-0.00;0.00}).");
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
                $"Neuron L{n.Layer}.N{n.Index}: pre-activation {n.PreActivation:F3} = sum of the sources below ({n.SourcesSum:F3}); activation {n.PostActivation:F3}."));
            report.Charts(SvgBarChart.Render($"Inputs of neuron L{n.Layer}.N{n.Index} (pre-activation)", "contribution",
                    [.. n.PreActivationSources.Select(c => new Bar(c.Source, c.Value))]),
                SvgBarChart.Render($"Its direct effect on the top logits", "logit",
                    [.. n.LogitEffects.Select(c => new Bar(c.Source, c.Value))]));
        }
    }

    private static string Quote(string token) => $"“{token}”";

    private static string Num(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
