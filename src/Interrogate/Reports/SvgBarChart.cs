using System.Globalization;

namespace Interrogate.Reports;

/// <summary>One bar, with an optional error bar from Low to High.</summary>
public sealed record Bar(string Label, double Value, double? Low = null, double? High = null);

/// <summary>Vertical bars with error bars, as one self-contained SVG element. The y axis starts at yMin when given.</summary>
public static class SvgBarChart
{
    public static string Render(string title, string yLabel, IReadOnlyList<Bar> bars, double? yMin = null)
    {
        var values = bars.SelectMany(b => new[] { b.Value, b.Low ?? b.Value, b.High ?? b.Value }).Where(double.IsFinite).DefaultIfEmpty(0).ToList();
        var plot = new SvgPlot(title, "", yLabel, -0.5, bars.Count - 0.5, yMin ?? Math.Min(0, values.Min()), values.Max(), categoricalX: true);
        double slot = plot.X(1) - plot.X(0), width = slot * 0.6;
        for (int i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            double cx = plot.X(i), top = plot.Y(Math.Max(b.Value, plot.YMin)), bottom = plot.Y(plot.YMin);
            string tip = SvgPlot.Escape($"{b.Label}: {b.Value.ToString("0.####", CultureInfo.InvariantCulture)}");
            plot.Add($"<rect x=\"{SvgPlot.F(cx - width / 2)}\" y=\"{SvgPlot.F(Math.Min(top, bottom))}\" width=\"{SvgPlot.F(width)}\" height=\"{SvgPlot.F(Math.Abs(bottom - top))}\" fill=\"{SvgPlot.Color(i)}\"><title>{tip}</title></rect>");
            if (b.Low is double lo && b.High is double hi && double.IsFinite(lo) && double.IsFinite(hi))
            {
                string x = SvgPlot.F(cx), y1 = SvgPlot.F(plot.Y(lo)), y2 = SvgPlot.F(plot.Y(hi));
                plot.Add($"<line x1=\"{x}\" x2=\"{x}\" y1=\"{y1}\" y2=\"{y2}\" stroke=\"#222\" stroke-width=\"1.5\"/>");
                foreach (var y in new[] { y1, y2 })
                    plot.Add($"<line x1=\"{SvgPlot.F(cx - 6)}\" x2=\"{SvgPlot.F(cx + 6)}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#222\" stroke-width=\"1.5\"/>");
            }
            plot.Add($"<text x=\"{SvgPlot.F(cx)}\" y=\"{SvgPlot.Height - SvgPlot.Bottom + 16}\" text-anchor=\"middle\">{SvgPlot.Escape(SvgPlot.Shorten(b.Label, 14))}</text>");
        }
        return plot.Finish();
    }
}
