using Interrogate.Numerics;

namespace Interrogate.Training.Experiments;

/// <summary>A metric across seeds: mean ± 95% interval, and Welch's test against the baseline (null for the baseline itself).</summary>
public sealed record MetricSummary(MeanInterval Interval, WelchTest? VsBaseline);

/// <summary>One epoch of a setting's learning curve, across seeds.</summary>
public sealed record CurvePoint(int Epoch, MeanInterval TrainLoss, MeanInterval TestLoss, MeanInterval TestAccuracy);

/// <summary>One row of the experiment table.</summary>
/// <remarks>RobustAccuracy: Null when the setting does no robust evaluation.</remarks>
public sealed record SettingSummary(string Setting, bool IsBaseline, int Runs, MetricSummary TestAccuracy, MetricSummary TestLoss,
    MetricSummary? RobustAccuracy, IReadOnlyList<CurvePoint> Curve, RunConfig Config);

/// <summary>An experiment's outcome: the table rows, every run behind them, and how many ran now versus came from the database.</summary>
public sealed record ExperimentResult(ExperimentSpec Spec, IReadOnlyList<SettingSummary> Rows, IReadOnlyList<RunResult> Runs,
    int RunsExecuted, int RunsReused)
{
    /// <summary>Aggregates finished runs per setting, in spec order; settings without runs are left out.</summary>
    public static IReadOnlyList<SettingSummary> Summarise(ExperimentSpec spec, IReadOnlyList<RunResult> runs)
    {
        var bySetting = runs.GroupBy(r => r.Setting).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Seed).ToList());
        var baseline = bySetting.GetValueOrDefault(spec.Baseline) ?? [];
        var rows = new List<SettingSummary>();
        foreach (var setting in spec.Settings)
        {
            if (!bySetting.TryGetValue(setting.Name, out var list) || list.Count == 0) continue;
            bool isBaseline = setting.Name == spec.Baseline;
            MetricSummary Metric(Func<RunResult, double> pick)
            {
                var values = list.Select(pick).ToList();
                return new MetricSummary(Statistics.Interval(values), isBaseline || baseline.Count == 0 ? null : Statistics.Welch(values, [.. baseline.Select(pick)]));
            }
            MetricSummary? robust = list.All(r => r.RobustAccuracy is not null) && baseline.All(r => r.RobustAccuracy is not null)
                ? Metric(r => r.RobustAccuracy!.Value) : null;
            rows.Add(new SettingSummary(setting.Name, isBaseline, list.Count, Metric(r => r.TestAccuracy), Metric(r => r.TestLoss),
                robust, Curve(list), setting.Config));
        }
        return rows;
    }

    private static List<CurvePoint> Curve(List<RunResult> runs)
    {
        int epochs = runs.Min(r => r.Curve.Count);
        return [.. Enumerable.Range(0, epochs).Select(e => new CurvePoint(e + 1,
            Statistics.Interval([.. runs.Select(r => r.Curve[e].TrainLoss)]),
            Statistics.Interval([.. runs.Select(r => r.Curve[e].TestLoss)]),
            Statistics.Interval([.. runs.Select(r => r.Curve[e].TestAccuracy)])))];
    }
}
