using System.Globalization;

namespace Interrogate.Reports;

/// <summary>The two charts of a neuron card: concept vs control histograms on shared bins, and ablation effects grouped by kind.</summary>
internal static class NeuronReportCharts
{
    /// <summary>
    /// Concept and control activations on the same bins, each as a fraction of its own count (the sets
    /// differ in size), overlaid half-transparent so the overlap — what AUC summarises — is visible.
    /// </summary>
    public static string Histograms(string title, IReadOnlyList<double> concept, IReadOnlyList<double> control, int bins = 30)
    {
        var all = concept.Concat(control).Where(double.IsFinite).ToList();
        double min = all.DefaultIfEmpty(0).Min(), max = all.DefaultIfEmpty(1).Max();
        if (max <= min) max = min + 1;
        var series = new[] { Fractions(concept, bins, min, max), Fractions(control, bins, min, max) };
        var plot = new SvgPlot(title, "activation", "fraction of tokens", min, max, 0, Math.Max(0.01, series.Max(s => s.Max())));
        double width = (max - min) / bins;
        for (int s = 0; s < 2; s++)
            for (int i = 0; i < bins; i++)
            {
                if (series[s][i] == 0) continue;
                double x0 = plot.X(min + i * width), x1 = plot.X(min + (i + 1) * width), top = plot.Y(series[s][i]), bottom = plot.Y(0);
                string tip = SvgPlot.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"{(s == 0 ? "concept" : "control")} [{min + i * width:0.###}, {min + (i + 1) * width:0.###}): {series[s][i]:P1}"));
                plot.Add($"<rect x=\"{SvgPlot.F(x0)}\" y=\"{SvgPlot.F(top)}\" width=\"{SvgPlot.F(Math.Max(0.5, x1 - x0 - 1))}\" height=\"{SvgPlot.F(bottom - top)}\" fill=\"{SvgPlot.Color(s)}\" fill-opacity=\"0.55\"><title>{tip}</title></rect>");
            }
        plot.Legend([$"concept (n = {concept.Count})", $"control (n = {control.Count})"]);
        return plot.Finish();
    }

    private static double[] Fractions(IReadOnlyList<double> values, int bins, double min, double max)
    {
        var counts = new double[bins];
        int n = 0;
        foreach (var v in values.Where(double.IsFinite)) { counts[Math.Clamp((int)((v - min) / (max - min) * bins), 0, bins - 1)]++; n++; }
        if (n > 0) for (int i = 0; i < bins; i++) counts[i] /= n;
        return counts;
    }

    private static readonly string[] AblationSeries = ["concept", "control", "random neurons: concept", "random neurons: control"];
    private static readonly string[] AblationColors = [SvgPlot.Color(0), SvgPlot.Color(1), "#9a9a9a", "#cfcfcf"];

    /// <summary>
    /// Per ablation kind, four bars: the neuron's effect on concept and on control tokens, then the
    /// random-neuron baseline's mean for each with a whisker over its range.
    /// </summary>
    public static string Ablations(string title, string yLabel, IReadOnlyList<AblationEffect> effects)
    {
        var values = effects.SelectMany(e => new double?[] { e.ConceptDelta, e.ControlDelta, e.RandomConcept?.Low, e.RandomConcept?.High, e.RandomControl?.Low, e.RandomControl?.High })
            .OfType<double>().Where(double.IsFinite).DefaultIfEmpty(0).ToList();
        var plot = new SvgPlot(title, "", yLabel, -0.5, Math.Max(1, effects.Count) - 0.5, Math.Min(0, values.Min()), Math.Max(0, values.Max()), categoricalX: true);
        double slot = plot.X(1) - plot.X(0), bar = slot * 0.8 / 4;
        for (int g = 0; g < effects.Count; g++)
        {
            var e = effects[g];
            var bars = new (double? Value, ValueRange? Range)[] { (e.ConceptDelta, null), (e.ControlDelta, null), (e.RandomConcept?.Mean, e.RandomConcept), (e.RandomControl?.Mean, e.RandomControl) };
            for (int b = 0; b < bars.Length; b++)
            {
                if (bars[b].Value is not double v || !double.IsFinite(v)) continue;
                double x = plot.X(g) - slot * 0.4 + b * bar, top = plot.Y(Math.Max(v, 0)), bottom = plot.Y(Math.Min(v, 0));
                string tip = SvgPlot.Escape(string.Create(CultureInfo.InvariantCulture, $"{e.Kind}, {AblationSeries[b]}: {v:+0.####;-0.####;0}"));
                plot.Add($"<rect x=\"{SvgPlot.F(x)}\" y=\"{SvgPlot.F(top)}\" width=\"{SvgPlot.F(bar - 2)}\" height=\"{SvgPlot.F(Math.Max(0.5, bottom - top))}\" fill=\"{AblationColors[b]}\"><title>{tip}</title></rect>");
                if (bars[b].Range is { } r && double.IsFinite(r.Low) && double.IsFinite(r.High))
                {
                    string cx = SvgPlot.F(x + bar / 2 - 1);
                    plot.Add($"<line x1=\"{cx}\" x2=\"{cx}\" y1=\"{SvgPlot.F(plot.Y(r.Low))}\" y2=\"{SvgPlot.F(plot.Y(r.High))}\" stroke=\"#222\" stroke-width=\"1.5\"/>");
                }
            }
            plot.Add($"<text x=\"{SvgPlot.F(plot.X(g))}\" y=\"{SvgPlot.Height - SvgPlot.Bottom + 16}\" text-anchor=\"middle\">{SvgPlot.Escape(SvgPlot.Shorten(e.Kind, 18))}</text>");
        }
        plot.Add($"<line x1=\"{SvgPlot.Left}\" x2=\"{SvgPlot.Width - SvgPlot.Right}\" y1=\"{SvgPlot.F(plot.Y(0))}\" y2=\"{SvgPlot.F(plot.Y(0))}\" stroke=\"#333\"/>");
        LegendWithColors(plot);
        return plot.Finish();
    }

    private static void LegendWithColors(SvgPlot plot)
    {
        for (int i = 0; i < AblationSeries.Length; i++)
        {
            int y = SvgPlot.Top + 8 + i * 16;
            plot.Add($"<rect x=\"{SvgPlot.Width - SvgPlot.Right + 12}\" y=\"{y - 8}\" width=\"12\" height=\"10\" fill=\"{AblationColors[i]}\"/>");
            plot.Add($"<text x=\"{SvgPlot.Width - SvgPlot.Right + 28}\" y=\"{y + 1}\">{SvgPlot.Escape(SvgPlot.Shorten(AblationSeries[i], 22))}</text>");
        }
    }
}
