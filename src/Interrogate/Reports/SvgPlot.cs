using System.Globalization;
using System.Net;
using System.Text;

namespace Interrogate.Reports;

/// <summary>
/// The shared frame of the SVG charts: plot area, linear scales, "nice" ticks, axes, legend, and
/// the escaping and number formatting that keep the output well-formed XML.
/// </summary>
internal sealed class SvgPlot
{
    public static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public const int Width = 640, Height = 360, Left = 64, Right = 160, Top = 36, Bottom = 48;
    private readonly StringBuilder svg = new();

    public double XMin { get; }
    public double XMax { get; }
    public double YMin { get; }
    public double YMax { get; }

    public SvgPlot(string title, string xLabel, string yLabel, double xMin, double xMax, double yMin, double yMax, bool categoricalX = false)
    {
        (XMin, XMax) = Widen(xMin, xMax);
        (YMin, YMax) = Widen(yMin, yMax);
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{Escape(title)}</text>");
        foreach (var t in Ticks(YMin, YMax))
        {
            var y = Y(t);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"#e5e5e5\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Escape(Label(t))}</text>");
        }
        if (!categoricalX)
            foreach (var t in Ticks(XMin, XMax))
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(t))}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{Escape(Label(t))}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom}\" stroke=\"#333\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#333\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 10}\" text-anchor=\"middle\">{Escape(xLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{(Top + Height - Bottom) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {(Top + Height - Bottom) / 2})\">{Escape(yLabel)}</text>");
    }

    public double X(double x) => Left + (x - XMin) / (XMax - XMin) * (Width - Left - Right);
    public double Y(double y) => Height - Bottom - (y - YMin) / (YMax - YMin) * (Height - Top - Bottom);

    /// <summary>Appends raw SVG elements (callers escape their text with <see cref="Escape"/>).</summary>
    public SvgPlot Add(string element)
    {
        svg.Append(element);
        return this;
    }

    public void Legend(IReadOnlyList<string> names)
    {
        for (int i = 0; i < names.Count; i++)
        {
            int y = Top + 8 + i * 16;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Width - Right + 12}\" y=\"{y - 8}\" width=\"12\" height=\"10\" fill=\"{Color(i)}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 28}\" y=\"{y + 1}\">{Escape(Shorten(names[i], 22))}</text>");
        }
    }

    public string Finish() => svg.Append("</svg>").ToString();

    public static string Color(int i) => Palette[i % Palette.Length];

    public static string F(double v) => double.IsFinite(v) ? v.ToString("0.##", CultureInfo.InvariantCulture) : "0";

    public static string Escape(string text) => WebUtility.HtmlEncode(text);

    public static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    public static string Label(double v) => Math.Abs(v) >= 1e4 || (v != 0 && Math.Abs(v) < 1e-3)
        ? v.ToString("0.##E0", CultureInfo.InvariantCulture) : v.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>About five round tick values covering [min, max].</summary>
    public static IEnumerable<double> Ticks(double min, double max)
    {
        double raw = (max - min) / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        for (double t = Math.Ceiling(min / step) * step; t <= max + step * 1e-9; t += step)
            yield return Math.Abs(t) < step * 1e-9 ? 0 : t;
    }

    /// <summary>A non-empty range with 5% headroom, also for a single value or no finite values.</summary>
    private static (double, double) Widen(double min, double max)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) return (0, 1);
        if (max <= min) return (min - 0.5, max + 0.5);
        double pad = (max - min) * 0.05;
        return (min - pad, max + pad);
    }
}
