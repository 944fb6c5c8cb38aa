using System.CommandLine;
using System.Globalization;
using Interrogate.Analysis.Pruning;
using Interrogate.Cli.Output;
using Interrogate.Reports;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate prune compare`: loss (and accuracy) versus fraction of neurons removed, for several methods on the same data.</summary>
internal static class PruneCompareCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var methods = new Option<string>("--methods") { Description = $"all, or a comma-separated list of {string.Join(", ", PruningMethods.Names)}", DefaultValueFactory = _ => "all" };
        var fractions = new Option<string>("--fractions") { Description = "Fractions of every MLP layer to remove", DefaultValueFactory = _ => "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9" };
        var report = new Option<string?>("--report") { Description = "HTML report with the curves (SVG) and the table" };
        var json = CommonOptions.Json();
        var data = PruneOptions.Data();
        var command = new Command("compare", "Loss-vs-fraction-removed curves of every pruning method, measured on the same evaluation data")
        {
            model, methods, fractions, report, json,
        };
        foreach (var option in data.All) command.Add(option);
        command.SetAction(parsed =>
        {
            var chosen = ParseMethods(parsed.GetValue(methods)!);
            var points = ParseFractions(parsed.GetValue(fractions)!);
            var reportPath = parsed.GetValue(report);
            using var opened = PruningData.Open(parsed.GetValue(model)!, data.Read(parsed));
            PruningComparison.Check(opened.Network, points);
            var result = Terminal.WithProgress("comparing", progress => PruningComparison.Run(opened.Network, chosen, points, progress));
            if (reportPath is not null) new HtmlReport("Pruning methods compared").Charts(Charts(result)).Table(Headers(result), Rows(result)).Save(reportPath);
            if (parsed.GetValue(json)) Terminal.WriteJson(new { result.Baseline, result.Unit, result.Curves, Report = reportPath is null ? null : Path.GetFullPath(reportPath) });
            else
            {
                var table = new Table().AddColumns([.. Headers(result).Select(Markup.Escape)]);
                foreach (var row in Rows(result)) table.AddRow([.. row.Select(Markup.Escape)]);
                Terminal.Out.Write(table);
                if (reportPath is not null) Terminal.Out.MarkupLine($"report: [bold]{Markup.Escape(Path.GetFullPath(reportPath))}[/]");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static IReadOnlyList<IPruningMethod> ParseMethods(string text) => text.Trim() == "all" ? PruningMethods.All
        : [.. CommonOptions.SplitList(text, "--methods").Select(n => PruningMethods.Names.Contains(n) ? PruningMethods.Get(n)
            : throw new InputException($"--methods: unknown method '{n}' (known: all, {string.Join(", ", PruningMethods.Names)})"))];

    private static double[] ParseFractions(string text)
    {
        var parts = CommonOptions.SplitList(text, "--fractions");
        return [.. parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 && f < 1 ? f
            : throw new InputException($"--fractions: '{p}' is not a number in (0, 1)"))];
    }

    private static string[] Charts(PruningComparisonResult r)
    {
        var loss = SvgLineChart.Render("Evaluation loss after removing neurons (no fine-tuning)", "fraction of MLP neurons removed", "loss (nats)",
            [.. r.Curves.Select(c => new LineSeries(c.Method, [0, .. c.Fractions], [r.Baseline.Loss, .. c.Loss]))]);
        if (r.Baseline.Accuracy is not double baseAccuracy) return [loss];
        var accuracy = SvgLineChart.Render("Test accuracy after removing neurons", "fraction of hidden units removed", "accuracy",
            [.. r.Curves.Select(c => new LineSeries(c.Method, [0, .. c.Fractions], [baseAccuracy, .. c.Accuracy.Select(a => a ?? double.NaN)]))]);
        return [loss, accuracy];
    }

    private static string[] Headers(PruningComparisonResult r) =>
        ["fraction removed", .. r.Curves.Select(c => $"{c.Method} loss"), .. r.Baseline.Accuracy is null ? Array.Empty<string>() : r.Curves.Select(c => $"{c.Method} accuracy")];

    private static IEnumerable<IReadOnlyList<string>> Rows(PruningComparisonResult r)
    {
        bool accuracy = r.Baseline.Accuracy is not null;
        string A(double? a) => a is double v ? v.ToString("P2", CultureInfo.InvariantCulture) : "";
        yield return ["0 (original)", .. r.Curves.Select(_ => r.Baseline.Loss.ToString("F4", CultureInfo.InvariantCulture)),
            .. accuracy ? r.Curves.Select(_ => A(r.Baseline.Accuracy)) : []];
        for (int i = 0; i < r.Curves[0].Fractions.Count; i++)
            yield return [r.Curves[0].Fractions[i].ToString("0.###", CultureInfo.InvariantCulture),
                .. r.Curves.Select(c => c.Loss[i].ToString("F4", CultureInfo.InvariantCulture)),
                .. accuracy ? r.Curves.Select(c => A(c.Accuracy[i])) : []];
    }
}
