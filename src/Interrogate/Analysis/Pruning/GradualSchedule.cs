namespace Interrogate.Analysis.Pruning;

/// <summary>
/// Gradual magnitude pruning (Zhu &amp; Gupta 2017, "To prune, or not to prune"): during fine-tuning the
/// sparsity rises as s_t = s_f·(1 − (1 − t/n)³) over the first n = <see cref="RampSteps"/> steps, fast
/// while many redundant weights remain and slowly near the target, and the mask is recomputed every
/// <see cref="Every"/> steps, so the network recovers from each small cut before the next; the steps
/// after the ramp tune at the final sparsity.
/// </summary>
/// <param name="FinalSparsity">s_f, the fraction of prunable weights zeroed at the end, in (0, 1).</param>
/// <param name="RampSteps">n, the step at which the final sparsity is reached (at least 1).</param>
/// <param name="Every">Steps between mask updates (at least 1); the last update is at exactly n.</param>
public sealed record GradualSchedule(double FinalSparsity, int RampSteps, int Every)
{
    /// <summary>The ramp as a fraction <paramref name="ramp"/> ∈ (0, 1] of <paramref name="steps"/> fine-tuning steps.</summary>
    public static GradualSchedule For(double finalSparsity, int steps, double ramp, int every) =>
        new(finalSparsity, Math.Max(1, (int)Math.Round(ramp * steps)), every);

    /// <summary>s_t after <paramref name="stepsDone"/> steps; s_f from n on.</summary>
    public double SparsityAt(int stepsDone)
    {
        double t = Math.Clamp((double)stepsDone / RampSteps, 0, 1);
        return FinalSparsity * (1 - Math.Pow(1 - t, 3));
    }

    /// <summary>Whether the mask is recomputed after <paramref name="stepsDone"/> steps (multiples of Every up to n, and n).</summary>
    public bool UpdatesAfter(int stepsDone) => stepsDone >= 1 && stepsDone <= RampSteps && (stepsDone % Every == 0 || stepsDone == RampSteps);
}
