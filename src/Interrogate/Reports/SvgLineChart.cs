using System.Globalization;
using System.Text;

namespace Interrogate.Reports;

/// <summary>One line of a chart, with an optional band (e.g. a 95% interval across seeds). Band arrays, when given, match Y.</summary>
public sealed record LineSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y,
    IReadOnlyList<double>? Lower = null, IReadOnlyList<double>? Upper = null);

/// <summary>Lines with shaded bands, as one self-contained SVG element (no scripts, no external assets).</summary>
public static class SvgLineChart
{
    public static string Render(string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> series)
    {
        var finite = (IEnumerable<double> v) => v.Where(double.IsFinite).DefaultIfEmpty(double.NaN);
        var xs = series.SelectMany(s => s.X).ToList();
        var ys = series.SelectMany(s => s.Y.Concat(s.Lower ?? []).Concat(s.Upper ?? [])).ToList();
        var plot = new SvgPlot(title, xLabel, yLabel, finite(xs).Min(), finite(xs).Max(), finite(ys).Min(), finite(ys).Max());
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            string color = SvgPlot.Color(i);
            if (s.Lower is { } lo && s.Upper is { } hi)
            {
                var band = new StringBuilder();
                for (int j = 0; j < s.X.Count; j++) if (double.IsFinite(hi[j])) band.Append(Point(plot, s.X[j], hi[j]));
                for (int j = s.X.Count - 1; j >= 0; j--) if (double.IsFinite(lo[j])) band.Append(Point(plot, s.X[j], lo[j]));
                if (band.Length > 0) plot.Add($"<polygon points=\"{band.ToString().Trim()}\" fill=\"{color}\" fill-opacity=\"0.18\" stroke=\"none\"/>");
            }
            var line = new StringBuilder();
            for (int j = 0; j < s.X.Count; j++) if (double.IsFinite(s.Y[j])) line.Append(Point(plot, s.X[j], s.Y[j]));
            plot.Add($"<polyline points=\"{line.ToString().Trim()}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>");
            for (int j = 0; j < s.X.Count; j++)
                if (double.IsFinite(s.Y[j]))
                    plot.Add($"<circle cx=\"{SvgPlot.F(plot.X(s.X[j]))}\" cy=\"{SvgPlot.F(plot.Y(s.Y[j]))}\" r=\"2.5\" fill=\"{color}\"><title>{SvgPlot.Escape($"{s.Name}: {s.Y[j].ToString("0.####", CultureInfo.InvariantCulture)}")}</title></circle>");
        }
        plot.Legend([.. series.Select(s => s.Name)]);
        return plot.Finish();
    }

    private static string Point(SvgPlot plot, double x, double y) => $"{SvgPlot.F(plot.X(x))},{SvgPlot.F(plot.Y(y))} ";
}
