using Interrogate.Numerics;

namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// How one candidate is judged in one role, written into every result so a reader can re-judge.
/// Encodes: |held-out AUC − 0.5| ≥ AucDistance. Causal: Holm-adjusted rank p ≤ Alpha, the effect's 95%
/// interval above zero and the specificity's (concept − control) interval above zero.
/// </summary>
/// <param name="AucDistance">The random units' 95th percentile of held-out |AUC − 0.5| in this layer and role, at least <see cref="VerdictRules.MinAucDistance"/>.</param>
/// <param name="Alpha">Family-wise error rate of the Holm correction across every candidate judged in the run.</param>
public sealed record VerdictThresholds(double AucDistance, double Alpha)
{
    public string Rule =>
        $"strong encoding: held-out |auc-0.5| >= {AucDistance:G4}; causal: Holm-adjusted rank p (vs random units of the layer, same ablation and windows) <= {Alpha:G3} " +
        "and the 95% CI of the concept effect and of the specificity (concept - control) both above 0; " +
        "responsible = both, encodes-but-unused = encoding only, contributes = causal only, none = neither";
}

/// <summary>Turns the random units into thresholds and the measurements of a candidate into a verdict.</summary>
public static class VerdictRules
{
    /// <summary>Floor on the encoding threshold: a unit with |AUC − 0.5| below 0.1 is never called strong.</summary>
    public const double MinAucDistance = 0.1;
    /// <summary>Family-wise error rate across the candidates of one run.</summary>
    public const double Alpha = 0.05;

    /// <summary>Thresholds from |held-out AUC − 0.5| of each random unit of the layer, in the role.</summary>
    public static VerdictThresholds Thresholds(IReadOnlyList<double> randomAucDistances, double alpha = Alpha) =>
        new(Math.Max(PairedBootstrap.Quantile([.. randomAucDistances.Order()], 0.95), MinAucDistance), alpha);

    public static bool Encodes(double auc, VerdictThresholds t) => Math.Abs(auc - 0.5) >= t.AucDistance;

    /// <summary>The corrected test passes and both intervals lie above zero.</summary>
    public static bool Causal(double holmP, Interval effect, Interval specificity, VerdictThresholds t) =>
        holmP <= t.Alpha && effect.Low > 0 && specificity.Low > 0;

    public static Verdict Judge(bool encodes, bool causal) => (encodes, causal) switch
    {
        (true, true) => Verdict.Responsible,
        (true, false) => Verdict.EncodesButUnused,
        (false, true) => Verdict.Contributes,
        _ => Verdict.None,
    };
}
