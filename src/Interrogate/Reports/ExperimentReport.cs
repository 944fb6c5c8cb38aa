using Interrogate.Numerics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interrogate.Training.Experiments;

namespace Interrogate.Reports;

/// <summary>
/// The HTML page of an experiment: the table of mean ± 95% interval per setting with Welch's test
/// against the baseline, bar charts of the final metrics, learning curves with bands across seeds,
/// and the settings that differ between arms. Also the table cells the CLI prints.
/// </summary>
public static class ExperimentReport
{
    public static string Build(ExperimentResult result, string? databasePath = null)
    {
        var spec = result.Spec;
        var rows = result.Rows;
        bool robust = rows.Any(r => r.RobustAccuracy is not null);
        var report = new HtmlReport($"Experiment: {spec.Name}");
        if (spec.Description.Length > 0) report.Paragraph(spec.Description);
        report.Paragraph(string.Create(CultureInfo.InvariantCulture,
            $"Dataset {spec.Dataset}; {spec.Settings.Count} settings × {spec.Seeds.Count} seeds ({string.Join(", ", spec.Seeds)}); baseline '{spec.Baseline}'. " +
            $"{result.Runs.Count} runs recorded ({result.RunsExecuted} run now, {result.RunsReused} from the database{(databasePath is null ? "" : " " + databasePath)})."), note: true);

        report.Heading("Results");
        report.Table(Headers(robust), rows.Select(r => Cells(r, robust)), highlightRow: rows.ToList().FindIndex(r => r.IsBaseline));
        report.Paragraph("Each cell is the mean across seeds ± the half-width of its 95% Student-t interval (n − 1 degrees of freedom). " +
            "Δ, t, df and p compare a setting with the baseline by Welch's two-sided t-test; p-values are not corrected for the number of settings compared.", note: true);
        var charts = new List<string>
        {
            SvgBarChart.Render("Test accuracy (95% CI)", "accuracy", [.. rows.Select(r => Bar(r.Setting, r.TestAccuracy.Interval))], yMin: BarFloor(rows.Select(r => r.TestAccuracy.Interval))),
        };
        if (robust)
            charts.Add(SvgBarChart.Render($"Robust accuracy, PGD ε = {rows.First(r => r.RobustAccuracy is not null).Config.RobustEpsilon.ToString(CultureInfo.InvariantCulture)}", "accuracy",
                [.. rows.Where(r => r.RobustAccuracy is not null).Select(r => Bar(r.Setting, r.RobustAccuracy!.Interval))], yMin: 0));
        report.Charts([.. charts]);

        report.Heading("Learning curves");
        report.Paragraph("Mean across seeds per epoch; the band is the 95% interval (absent with one seed).", note: true);
        report.Charts(
            Curve("Test accuracy", "accuracy", rows, p => p.TestAccuracy),
            Curve("Training loss (mean over the epoch)", "cross-entropy (nats)", rows, p => p.TrainLoss),
            Curve("Test loss", "cross-entropy (nats)", rows, p => p.TestLoss));

        report.Heading("Settings");
        var differing = DifferingKeys(rows.Select(r => r.Config).ToList());
        if (differing.Count > 0)
            report.Table(["setting", .. differing], rows.Select(r => (IReadOnlyList<string>)[r.Setting, .. differing.Select(k => ConfigValue(r.Config, k))]));
        report.Paragraph("Every setting shares the rest of the baseline's configuration:", note: true);
        report.Preformatted(JsonNode.Parse(ExperimentSpec.ConfigJson(spec.BaselineSetting.Config))!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return report.Build();
    }

    public static IReadOnlyList<string> Headers(bool robust) => robust
        ? ["setting", "runs", "test accuracy", "Δ vs baseline", "p", "test loss", "robust accuracy", "Δ robust", "p (robust)"]
        : ["setting", "runs", "test accuracy", "Δ vs baseline", "t", "df", "p", "test loss"];

    /// <summary>The cells of one table row, formatted for people (percentages for accuracies).</summary>
    public static IReadOnlyList<string> Cells(SettingSummary r, bool robust)
    {
        string name = r.IsBaseline ? r.Setting + " (baseline)" : r.Setting;
        var acc = r.TestAccuracy;
        if (!robust)
            return [name, Int(r.Runs), Percent(acc.Interval), Delta(acc.VsBaseline, percent: true), Num(acc.VsBaseline?.T, "0.00"),
                Num(acc.VsBaseline?.DegreesOfFreedom, "0.0"), P(acc.VsBaseline), Plain(r.TestLoss.Interval)];
        var rob = r.RobustAccuracy;
        return [name, Int(r.Runs), Percent(acc.Interval), Delta(acc.VsBaseline, percent: true), P(acc.VsBaseline), Plain(r.TestLoss.Interval),
            rob is null ? "—" : Percent(rob.Interval), Delta(rob?.VsBaseline, percent: true), P(rob?.VsBaseline)];
    }

    private static string Int(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Percent(MeanInterval m) => double.IsNaN(m.HalfWidth)
        ? string.Create(CultureInfo.InvariantCulture, $"{100 * m.Mean:0.00}%")
        : string.Create(CultureInfo.InvariantCulture, $"{100 * m.Mean:0.00}% ± {100 * m.HalfWidth:0.00}");

    private static string Plain(MeanInterval m) => double.IsNaN(m.HalfWidth)
        ? string.Create(CultureInfo.InvariantCulture, $"{m.Mean:0.0000}")
        : string.Create(CultureInfo.InvariantCulture, $"{m.Mean:0.0000} ± {m.HalfWidth:0.0000}");

    private static string Delta(WelchTest? w, bool percent) => w is null ? "—"
        : percent ? string.Create(CultureInfo.InvariantCulture, $"{100 * w.Difference:+0.00;-0.00;0.00} pp")
        : string.Create(CultureInfo.InvariantCulture, $"{w.Difference:+0.0000;-0.0000;0}");

    private static string Num(double? v, string format) => v is double d && double.IsFinite(d) ? d.ToString(format, CultureInfo.InvariantCulture) : "—";

    private static string P(WelchTest? w) => w is null || double.IsNaN(w.P) ? "—"
        : w.P < 1e-4 ? "<0.0001" : w.P.ToString("0.0000", CultureInfo.InvariantCulture);

    private static Bar Bar(string label, MeanInterval m) =>
        new(label, m.Mean, double.IsNaN(m.HalfWidth) ? null : m.Low, double.IsNaN(m.HalfWidth) ? null : m.High);

    /// <summary>Accuracy bars start a little below the lowest interval, so differences of a point are visible.</summary>
    private static double BarFloor(IEnumerable<MeanInterval> intervals)
    {
        double low = intervals.Select(m => double.IsNaN(m.HalfWidth) ? m.Mean : m.Low).DefaultIfEmpty(0).Min();
        return Math.Max(0, Math.Floor((low - 0.05) * 10) / 10);
    }

    private static string Curve(string title, string yLabel, IReadOnlyList<SettingSummary> rows, Func<CurvePoint, MeanInterval> pick) =>
        SvgLineChart.Render(title, "epoch", yLabel, [.. rows.Select(r => new LineSeries(r.Setting,
            [.. r.Curve.Select(p => (double)p.Epoch)], [.. r.Curve.Select(p => pick(p).Mean)],
            [.. r.Curve.Select(p => pick(p).Low)], [.. r.Curve.Select(p => pick(p).High)]))]);

    private static List<string> DifferingKeys(List<RunConfig> configs)
    {
        var objects = configs.Select(c => JsonNode.Parse(ExperimentSpec.ConfigJson(c))!.AsObject()).ToList();
        return [.. objects[0].Select(kv => kv.Key).Where(k => objects.Select(o => o[k]?.ToJsonString()).Distinct().Count() > 1)];
    }

    private static string ConfigValue(RunConfig c, string key)
    {
        var node = JsonNode.Parse(ExperimentSpec.ConfigJson(c))![key];
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : node?.ToJsonString() ?? "null";
    }
}
