using System.CommandLine;
using Interrogate.Cli.Output;
using Interrogate.Data;
using Interrogate.Reports;
using Interrogate.Training.Experiments;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>
/// `interrogate experiment --spec FILE.json`: runs a grid of settings × seeds (resuming from its
/// SQLite database), prints mean ± 95% CI and Welch's test against the baseline, writes an HTML report.
/// </summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var spec = new Option<string>("--spec") { Description = "Experiment spec (JSON; see examples/README.md)", Required = true };
        var db = new Option<string?>("--db") { Description = "SQLite database of runs (default: beside the spec, same name, .sqlite)" };
        var report = new Option<string?>("--report") { Description = "HTML report to write (default: beside the spec, same name, .html)" };
        var outDir = new Option<string?>("--out") { Description = "Folder for the database and report (NAME.sqlite, NAME.html; --db and --report override)" };
        var shardOption = ShardOptions.Shard();
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var command = new Command("experiment", "Compare training settings across seeds: mean ± 95% CI, Welch t-test vs a baseline, HTML report")
        {
            spec, db, report, outDir, shardOption, dataDir, json,
        };
        command.SetAction(parsed =>
        {
            var specPath = parsed.GetValue(spec)!;
            var experiment = ExperimentSpec.Load(specPath);
            // Beside the spec by default; under --out DIR when given (created if missing).
            var stem = parsed.GetValue(outDir) is { } dir ? Path.Combine(Directory.CreateDirectory(dir).FullName, Path.GetFileName(specPath)) : specPath;
            var dbPath = OutputGuard.Claim(parsed.GetValue(db) ?? Path.ChangeExtension(stem, ".sqlite"), "--db", IO.OutputKind.File);
            var reportPath = OutputGuard.Claim(parsed.GetValue(report) ?? Path.ChangeExtension(stem, ".html"), "--report", IO.OutputKind.File);
            var shard = ShardOptions.Parse(parsed.GetValue(shardOption));
            if (shard is not null && parsed.GetValue(db) is null && parsed.GetValue(outDir) is null)
                throw new InputException("--shard: give each shard its own --out folder (its database goes there; `interrogate merge` combines them)");
            using var store = ExperimentStore.Open(dbPath, experiment, shard);
            var (train, test) = Mnist.Load(parsed.GetValue(dataDir));
            var result = Terminal.WithProgress($"experiment {experiment.Name}", update =>
                ExperimentRunner.Run(experiment, store, train, test, p => update(
                    $"run {p.Index}/{p.Total}: {p.Setting}, seed {p.Seed}{(p.Reused ? " (recorded)" : "")}",
                    (p.Index - 1 + p.RunFraction) / p.Total), shard: shard));
            if (shard is not null)   // a part: no summary or report until the shards are merged
            {
                if (parsed.GetValue(json)) Terminal.WriteJson(new { shard = shard.ToString(), db = Path.GetFullPath(dbPath), runs_executed = result.RunsExecuted, runs_reused = result.RunsReused });
                else Terminal.Out.MarkupLine(Markup.Escape($"shard {shard}: {result.RunsExecuted} runs now, {result.RunsReused} recorded before, in {Path.GetFullPath(dbPath)}; merge the shards with `interrogate merge`, then run experiment with --db on the merged database for the summary and report"));
                return ExitCodes.Ok;
            }
            Interrogate.IO.AtomicFile.WriteAllText(reportPath, ExperimentReport.Build(result, Path.GetFullPath(dbPath)));
            if (parsed.GetValue(json)) Terminal.WriteJson(ExperimentJson.From(result, dbPath, reportPath));
            else Print(result, dbPath, reportPath);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(ExperimentResult result, string dbPath, string reportPath)
    {
        bool robust = result.Rows.Any(r => r.RobustAccuracy is not null);
        var table = new Table().AddColumns([.. ExperimentReport.Headers(robust).Select(Markup.Escape)]);
        foreach (var row in result.Rows) table.AddRow([.. ExperimentReport.Cells(row, robust).Select(Markup.Escape)]);
        Terminal.Out.Write(table);
        Terminal.Out.MarkupLine(Markup.Escape($"{result.RunsExecuted} runs now, {result.RunsReused} from {Path.GetFullPath(dbPath)}; report: {Path.GetFullPath(reportPath)}"));
    }
}

/// <summary>What `experiment --json` prints (snake_case); NaN statistics (one seed, identical runs) become null.</summary>
internal sealed record ExperimentJson(string Name, string Db, string Report, string Baseline, int RunsTotal, int RunsExecuted, int RunsReused,
    IReadOnlyList<ExperimentJson.Row> Rows)
{
    internal sealed record Interval(double? Mean, double? HalfWidth, double? Low, double? High, double? Std, int N);
    internal sealed record Test(double? Difference, double? T, double? Df, double? P);
    internal sealed record Metric(Interval Value, Test? VsBaseline);
    internal sealed record Row(string Setting, bool IsBaseline, int Runs, Metric TestAccuracy, Metric TestLoss, Metric? RobustAccuracy);

    public static ExperimentJson From(ExperimentResult r, string db, string report) => new(r.Spec.Name, Path.GetFullPath(db), Path.GetFullPath(report),
        r.Spec.Baseline, r.Spec.Settings.Count * r.Spec.Seeds.Count, r.RunsExecuted, r.RunsReused,
        [.. r.Rows.Select(s => new Row(s.Setting, s.IsBaseline, s.Runs, M(s.TestAccuracy), M(s.TestLoss), s.RobustAccuracy is null ? null : M(s.RobustAccuracy)))]);

    private static Metric M(MetricSummary m) => new(
        new Interval(N(m.Interval.Mean), N(m.Interval.HalfWidth), N(m.Interval.Low), N(m.Interval.High), N(m.Interval.StdDev), m.Interval.Count),
        m.VsBaseline is { } w ? new Test(N(w.Difference), N(w.T), N(w.DegreesOfFreedom), N(w.P)) : null);

    private static double? N(double v) => double.IsFinite(v) ? v : null;
}
