using System.Text.RegularExpressions;
using System.Xml.Linq;
using Interrogate.Reports;

namespace Interrogate.Tests.Reports;

public sealed class NeuronReportTests
{
    private static NeuronCard Card(int layer, int neuron, string verdict, bool? supported, string token = " The") => new()
    {
        Layer = layer,
        Neuron = neuron,
        Auc = 0.95 - 0.05 * layer,
        ConceptActivations = [1.0, 1.5, 2.0, 2.5],
        ControlActivations = [0.0, 0.1, -0.1, 0.3, 0.2],
        Contexts = [new ContextSnippet([" said", ".", token, " people"], [0.1f, -0.2f, 2.5f, 0.3f], 2)],
        Ablations =
        [
            new AblationEffect("zero", 0.12, 0.01, new ValueRange(0.002, -0.001, 0.006), new ValueRange(0.001, -0.002, 0.004)),
            new AblationEffect("mean", 0.08, 0.005),
            new AblationEffect("resample", 0.05, -0.002, new ValueRange(0.001, 0, 0.003)),
        ],
        Explanation = "Token identity (each token's own mean activation over 4,800 tokens): highest ' The' 2.61. Beyond the token itself: higher on capitalized words after '.', '!' or '?' (+2.10).",
        ExplanationScore = new Interrogate.Analysis.Explanation.ExplanationScore(0.81, 0.42, 0.014, 19_872, 0.39, 0.35, 0.43, 156),
        Verdict = verdict,
        Supported = supported,
        Reasons = ["AUC 0.90 ≥ 0.80", "zero-ablation Δ concept 0.12 > random 95th percentile 0.006"],
    };

    private static NeuronReportData Data(params NeuronCard[] cards) => new()
    {
        Concept = "capitalization",
        Model = "models/sotu-small",
        Cards = cards,
        Thresholds = [new ReportThreshold("AUC", "≥ 0.80", "separates concept from control tokens")],
        Notes = ["2,000 concept and 2,000 control tokens from sotu validation."],
    };

    [Fact]
    public void Build_ThreeCards_ContainsEveryCardWithItsCharts()
    {
        var html = NeuronReport.Build(Data(Card(2, 117, "causal", true), Card(3, 5, "correlational only", null), Card(1, 9, "not selective", false)));
        foreach (var name in new[] { "L2.N117", "L3.N5", "L1.N9" })
        {
            Assert.Contains($"<section id=\"{name}\"", html);
            Assert.Contains($"{name}: activation on concept vs control", html);
            Assert.Contains($"{name}: ablation effects", html);
        }
        Assert.Equal(6, Regex.Matches(html, "<svg ").Count);
        Assert.Contains("3 neurons examined for &#39;capitalization&#39;: 1 causal (L2.N117, AUC 0.85)", html);
        Assert.Contains("+0.1200 / +0.0100", html);   // zero-ablation column of the summary
        Assert.Contains("+0.390 (95% CI +0.350 to +0.430)", html);   // the explanation column: gain over token identity
        Assert.Contains("Adds to token identity: held-out r 0.810 against 0.420 for token identity alone, over 19,872 tokens in 156 windows", html);
        Assert.Contains("Thresholds: AUC ≥ 0.80", html);
        Assert.Contains("zero-ablation Δ concept 0.12 &gt; random 95th percentile 0.006", html);
    }

    [Fact]
    public void Build_ChartsAreWellFormedSvg()
    {
        var html = NeuronReport.Build(Data(Card(2, 117, "causal", true)));
        XNamespace svg = "http://www.w3.org/2000/svg";
        var charts = Regex.Matches(html, "<svg .*?</svg>", RegexOptions.Singleline).Select(m => XDocument.Parse(m.Value)).ToList();
        Assert.Equal(2, charts.Count);
        // Histograms: concept has 4 values and control 5, so at least one bar each; ablations: 3 kinds × 2 + 3 random bars.
        Assert.True(charts[0].Descendants(svg + "rect").Count(r => r.Element(svg + "title") is not null) >= 2);
        Assert.Equal(9, charts[1].Descendants(svg + "rect").Count(r => r.Element(svg + "title") is not null));
    }

    [Fact]
    public void Build_ScriptInTokenText_IsEscaped()
    {
        var html = NeuronReport.Build(Data(Card(0, 1, "causal <b>", true, token: "<script>alert(1)</script>")));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("causal &lt;b&gt;", html);
    }

    [Fact]
    public void Build_ContextShading_FollowsActivation()
    {
        var html = NeuronReport.Build(Data(Card(0, 1, "causal", true)));
        Assert.Contains("background:rgba(214,39,40,1.00);border-bottom:2px solid #000\" title=\"2.5\"> The</span>", html);
        Assert.Contains("background:rgba(31,119,180,0.08)\" title=\"-0.2\">.</span>", html);
    }

    [Fact]
    public void Save_WritesOneSelfContainedFile()
    {
        var dir = Directory.CreateTempSubdirectory("neuron-report").FullName;
        try
        {
            var path = Path.Combine(dir, "report.html");
            NeuronReport.Save(Data(Card(2, 117, "causal", true)), path);
            Assert.Equal([path], Directory.GetFiles(dir));
            var html = File.ReadAllText(path);
            Assert.StartsWith("<!DOCTYPE html>", html);
            // The only URL is the SVG namespace name, which is an identifier, never fetched.
            var withoutNamespace = html.Replace("xmlns=\"http://www.w3.org/2000/svg\"", "", StringComparison.Ordinal);
            Assert.DoesNotContain("http://", withoutNamespace);
            Assert.DoesNotContain("https://", withoutNamespace);
            Assert.DoesNotContain(" src=", html);
            Assert.DoesNotContain("<link", html);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
