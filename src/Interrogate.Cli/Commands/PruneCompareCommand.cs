using System.CommandLine;
using System.Globalization;
using Interrogate.Analysis.Pruning;
using Interrogate.Analysis.Redundancy;
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
        var minR2 = new Option<double>("--min-r2")
        {
            Description = "redundancy: also run it with this held-out R² floor (only redundant neurons; it may stop short of a fraction), beside the ranking by R² that prune uses",
            DefaultValueFactory = _ => new RedundancyOptions().MinR2,
        };
        var report = new Option<string?>("--report") { Description = "HTML report with the curves (SVG) and the table" };
        var screen = PruneOptions.Screen();
        var screenFactor = PruneOptions.ScreenFactor();
        var outDir = new Option<string?>("--out")
        {
            Description = "Folder for the sweep's measured cells; a folder holding this sweep whole (e.g. merged shards) is reused, so the run only reports",
        };
        var shard = ShardOptions.Shard();
        var units = UnitsOption.Create();
        var json = CommonOptions.Json();
        var data = PruneOptions.Data();
        var command = new Command("compare", "Loss-vs-fraction-removed curves of every pruning method, each with and without a least-squares refit of the kept neurons, on the same evaluation data")
        {
            model, methods, fractions, minR2, screen, screenFactor, units, report, outDir, shard, json,
        };
        foreach (var option in data.All) command.Add(option);
        command.SetAction(parsed =>
        {
            double floor = parsed.GetValue(minR2);
            new RedundancyOptions { MinR2 = floor }.Validate();
            var screening = PruneOptions.ReadScreen(parsed.GetValue(screen)!);
            double factor = parsed.GetValue(screenFactor);
            var names = ParseMethods(parsed.GetValue(methods)!).ToList();
            var points = ParseFractions(parsed.GetValue(fractions)!);
            var reportPath = parsed.GetValue(report);
            var shardSpec = ShardOptions.Parse(parsed.GetValue(shard));
            var folder = parsed.GetValue(outDir);
            if (shardSpec is not null && folder is null) throw new InputException("--shard needs --out DIR: the folder the shard's cells are written to");
            if (screening == PruningScreen.Atp && !names.Contains(PruningMethod.Ablation))
                throw new InputException("--screen atp: screens the exact ablation method; add ablation to --methods");
            var dictionary = UnitsOption.Parse(parsed.GetValue(units));
            var dataOptions = data.Read(parsed);
            using var opened = PruningData.Open(parsed.GetValue(model)!, dataOptions);
            var compared = dictionary is null
                ? new ComparedUnits(PruningComparison.Methods(names, floor, screening, factor), () => new NeuronComparisonSubject(opened.Network), opened.Network)
                : ComparedUnits.Features(dictionary, opened.Network, names, floor, screening, factor);
            PruningComparison.Check(compared.Shape, points);
            string fingerprint = ComparisonShardFile.FingerprintOf([
                "prune-compare/1", ComparisonShardFile.ParametersHash(opened.Network.Module), (dataOptions with { CacheDirectory = null }).ToString(),
                string.Join(",", compared.Methods.Select(m => m.Label)), string.Join(",", points.Select(p => p.ToString("R", CultureInfo.InvariantCulture))),
                compared.Identity, ]);
            var whole = Terminal.WithProgress("comparing", progress =>
                ComparisonShards.Run(compared.Open, compared.Methods, points, fingerprint, shardSpec, folder, progress));
            if (whole is null)
            {
                var (first, last) = shardSpec!.Range(compared.Methods.Count * points.Length);
                if (parsed.GetValue(json)) Terminal.WriteJson(new { Shard = shardSpec.ToString(), CellStart = first, CellEnd = last, Cells = compared.Methods.Count * points.Length, Out = Path.GetFullPath(folder!) });
                else Terminal.Out.MarkupLine(Markup.Escape($"shard {shardSpec}: cells {first}..{last - 1} of {compared.Methods.Count * points.Length} written to {Path.GetFullPath(folder!)}; merge the shards with `interrogate merge`"));
                return ExitCodes.Ok;
            }
            var result = whole;
            var effects = Effects(result);
            string unit = result.Baseline.Accuracy is null ? "nats/token" : "";
            if (reportPath is not null)
            {
                var html = new HtmlReport("Pruning methods compared").Charts(Charts(result)).Table(Headers(result), Rows(result));
                foreach (var e in effects) html.Paragraph(e.Describe(unit));
                foreach (var layer in result.Screening ?? []) html.Paragraph(PruneOptions.DescribeScreening(layer), note: true);
                html.Paragraph($"Neurons chosen on {result.ChosenOn}; measured on {result.ReportedOn}; the refit is fitted on {result.RefitRows:N0} calibration rows.", note: true).Save(reportPath);
            }
            if (parsed.GetValue(json))
                Terminal.WriteJson(result.Screening is null
                    ? new { result.Baseline, result.Unit, result.ChosenOn, result.ReportedOn, result.RefitRows, result.Rows, ChoiceAndRefit = effects, Report = reportPath is null ? null : Path.GetFullPath(reportPath) }
                    : (object)new { result.Baseline, result.Unit, result.ChosenOn, result.ReportedOn, result.RefitRows, result.Rows, ChoiceAndRefit = effects, result.Screening, Report = reportPath is null ? null : Path.GetFullPath(reportPath) });
            else
            {
                var table = new Table().AddColumns([.. Headers(result).Select(Markup.Escape)]);
                foreach (var row in Rows(result)) table.AddRow([.. row.Select(Markup.Escape)]);
                Terminal.Out.Write(table);
                foreach (var e in effects) Terminal.Out.MarkupLine(Markup.Escape(e.Describe(unit)));
                Terminal.Out.MarkupLine(Markup.Escape($"chosen on {result.ChosenOn}; measured on {result.ReportedOn}"));
                foreach (var layer in result.Screening ?? []) Terminal.Out.MarkupLine(Markup.Escape(PruneOptions.DescribeScreening(layer)));
                if (reportPath is not null) Terminal.Out.MarkupLine($"report: [bold]{Markup.Escape(Path.GetFullPath(reportPath))}[/]");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Choosing against refitting, each method against magnitude, at every fraction (empty without magnitude).</summary>
    private static List<ChoiceAndRefit> Effects(PruningComparisonResult r)
    {
        string magnitude = PruningMethod.Magnitude.Name();
        if (!r.Curves.Any(c => c.Label == magnitude)) return [];
        return [.. r.Curves.Where(c => !c.Refit && c.Label != magnitude && !c.MayStopShort).SelectMany(c =>
            Enumerable.Range(0, c.Points.Count).Select(i => ChoiceAndRefit.Measure(r, magnitude, c.Label, i)))];
    }

    private static IEnumerable<PruningMethod> ParseMethods(string text) => text.Trim() == "all" ? Enum.GetValues<PruningMethod>()
        : [.. CommonOptions.SplitList(text, "--methods").Select(n => PruningChoices.Parse<PruningMethod>(n, "--methods", "method"))];

    private static double[] ParseFractions(string text)
    {
        var parts = CommonOptions.SplitList(text, "--fractions");
        return [.. parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 && f < 1 ? f
            : throw new InputException($"--fractions: '{p}' is not a number in (0, 1)"))];
    }

    private static string Name(PruningCurve c) => c.Refit ? c.Label + " + refit" : c.Label;

    private static string[] Charts(PruningComparisonResult r)
    {
        var loss = SvgLineChart.Render("Evaluation loss after removing neurons (no fine-tuning)", "fraction of MLP neurons removed", "loss (nats)",
            [.. r.Curves.Select(c => new LineSeries(Name(c), [0, .. c.Fractions], [r.Baseline.Loss, .. c.Loss]))]);
        if (r.Baseline.Accuracy is not double baseAccuracy) return [loss];
        var accuracy = SvgLineChart.Render("Test accuracy after removing neurons", "fraction of hidden units removed", "accuracy",
            [.. r.Curves.Select(c => new LineSeries(Name(c), [0, .. c.Fractions], [baseAccuracy, .. c.Accuracy.Select(a => a ?? double.NaN)]))]);
        return [loss, accuracy];
    }

    private static string[] Headers(PruningComparisonResult r) =>
        ["fraction removed", .. r.Curves.Select(c => $"{Name(c)} loss"), .. r.Baseline.Accuracy is null ? Array.Empty<string>() : r.Curves.Select(c => $"{Name(c)} accuracy")];

    private static IEnumerable<IReadOnlyList<string>> Rows(PruningComparisonResult r)
    {
        bool accuracy = r.Baseline.Accuracy is not null;
        string A(double? a) => a is double v ? v.ToString("P2", CultureInfo.InvariantCulture) : "";
        // A point where a thresholded method stopped short shows the fraction it did remove.
        string L(PruningCurve c, PruningPoint p) => p.Evaluation.Loss.ToString("F4", CultureInfo.InvariantCulture) +
            (c.MayStopShort ? $" ({p.RemovedFraction.ToString("P1", CultureInfo.InvariantCulture)} removed)" : "");
        yield return ["0 (original)", .. r.Curves.Select(_ => r.Baseline.Loss.ToString("F4", CultureInfo.InvariantCulture)),
            .. accuracy ? r.Curves.Select(_ => A(r.Baseline.Accuracy)) : []];
        for (int i = 0; i < r.Curves[0].Points.Count; i++)
            yield return [r.Curves[0].Points[i].Fraction.ToString("0.###", CultureInfo.InvariantCulture),
                .. r.Curves.Select(c => L(c, c.Points[i])),
                .. accuracy ? r.Curves.Select(c => A(c.Accuracy[i])) : []];
    }
}
