using System.Globalization;

namespace Interrogate.Reports;

/// <summary>A histogram of values in equal-width bins, as one self-contained SVG element.</summary>
public static class SvgHistogram
{
    /// <summary>Counts per bin over [min, max] of the finite values; the last bin includes max.</summary>
    public static int[] Counts(IReadOnlyList<double> values, int bins, out double min, out double max)
    {
        var finite = values.Where(double.IsFinite).ToList();
        min = finite.Count == 0 ? 0 : finite.Min();
        max = finite.Count == 0 ? 1 : finite.Max();
        if (max <= min) max = min + 1;
        var counts = new int[bins];
        foreach (var v in finite) counts[Math.Min(bins - 1, (int)((v - min) / (max - min) * bins))]++;
        return counts;
    }

    public static string Render(string title, string xLabel, IReadOnlyList<double> values, int bins = 30)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins));
        var counts = Counts(values, bins, out double min, out double max);
        var plot = new SvgPlot(title, xLabel, "count", min, max, 0, Math.Max(1, counts.Max()));
        double width = (max - min) / bins;
        for (int i = 0; i < bins; i++)
        {
            double x0 = plot.X(min + i * width), x1 = plot.X(min + (i + 1) * width), top = plot.Y(counts[i]), bottom = plot.Y(0);
            string tip = SvgPlot.Escape(string.Create(CultureInfo.InvariantCulture, $"[{min + i * width:0.###}, {min + (i + 1) * width:0.###}): {counts[i]}"));
            plot.Add($"<rect x=\"{SvgPlot.F(x0)}\" y=\"{SvgPlot.F(top)}\" width=\"{SvgPlot.F(Math.Max(0, x1 - x0 - 1))}\" height=\"{SvgPlot.F(bottom - top)}\" fill=\"{SvgPlot.Color(0)}\"><title>{tip}</title></rect>");
        }
        return plot.Finish();
    }
}
