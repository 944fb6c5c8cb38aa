using System.Xml.Linq;
using Interrogate.Reports;

namespace Interrogate.Tests.Reports;

public class ReportTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void LineChart_WithBandsAndAwkwardNames_IsWellFormedSvg()
    {
        var svg = SvgLineChart.Render("Loss <&> \"quotes\"", "epoch", "nats",
        [
            new LineSeries("a & b", [1, 2, 3], [0.9, 0.5, 0.3], [0.8, 0.4, 0.2], [1.0, 0.6, 0.4]),
            new LineSeries("<tanh>", [1, 2, 3], [1.1, double.NaN, 0.35]),
        ]);
        var doc = XDocument.Parse(svg);
        Assert.Equal(Svg + "svg", doc.Root!.Name);
        Assert.Equal(2, doc.Descendants(Svg + "polyline").Count());
        Assert.Single(doc.Descendants(Svg + "polygon"));
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "<tanh>");
    }

    [Fact]
    public void BarChart_ErrorBars_IsWellFormedSvg()
    {
        var doc = XDocument.Parse(SvgBarChart.Render("Accuracy", "acc", [new Bar("relu", 0.95, 0.94, 0.96), new Bar("tanh", 0.93)], yMin: 0.8));
        Assert.Equal(2, doc.Descendants(Svg + "rect").Count(r => r.Element(Svg + "title") is not null));
    }

    [Fact]
    public void Histogram_CountsEveryFiniteValueOnce()
    {
        double[] values = [0, 0.1, 0.5, 0.9, 1.0, double.NaN];
        Assert.Equal(5, SvgHistogram.Counts(values, 4, out _, out _).Sum());
        XDocument.Parse(SvgHistogram.Render("h", "x", values, 4));
        XDocument.Parse(SvgHistogram.Render("empty", "x", [], 4));
    }

    [Fact]
    public void HtmlReport_EscapesTextAndEmbedsSvg()
    {
        var html = new HtmlReport("A <b> report")
            .Heading("x & y")
            .Table(["name", "value"], [["<i>", "0.5"]])
            .Charts(SvgBarChart.Render("c", "v", [new Bar("a", 1)]))
            .Build();
        Assert.Contains("A &lt;b&gt; report", html);
        Assert.Contains("<td>&lt;i&gt;</td><td class=\"n\">0.5</td>", html);
        Assert.Contains("<svg xmlns=", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
    }
}
