namespace Interrogate.Cli.Commands;

/// <summary>
/// Dictionary minus random-weights control for every metric `sae eval` reports (Heap et al. 2025: SAEs
/// on random transformers score well on some of them, so the gap is the number that means something).
/// Loss fields are null when either side was measured without a model.
/// </summary>
internal sealed record SaeGap(double VarianceExplained, double MeanL0, double DeadFraction, int Dense, double? LossClean, double? LossSpliced,
    double? LossZeroAblated, double? LossMeanAblated, double? LossRecoveredVersusZero, double? LossRecoveredVersusMean, int[] DensityHistogramCounts)
{
    public static SaeGap Of(SaeMeasurement main, SaeMeasurement control) => new(
        main.VarianceExplained - control.VarianceExplained, main.MeanL0 - control.MeanL0, main.DeadFraction - control.DeadFraction, main.Dense - control.Dense,
        main.Losses?.Clean - control.Losses?.Clean, main.Losses?.Spliced - control.Losses?.Spliced,
        main.Losses?.ZeroAblated - control.Losses?.ZeroAblated, main.Losses?.MeanAblated - control.Losses?.MeanAblated,
        main.LossRecoveredVersusZero - control.LossRecoveredVersusZero, main.LossRecoveredVersusMean - control.LossRecoveredVersusMean,
        [.. main.DensityHistogram.Zip(control.DensityHistogram, (a, b) => a.Count - b.Count)]);
}
