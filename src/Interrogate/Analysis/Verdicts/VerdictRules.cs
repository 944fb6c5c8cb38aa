namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// The exact thresholds a verdict is judged by, derived from random neurons of the same layer and
/// written into every result so a reader can re-judge.
/// </summary>
/// <param name="AucDistance">Strong encoding: |AUC − 0.5| ≥ this (the random neurons' 95th percentile of |AUC − 0.5|, at least <see cref="VerdictRules.MinAucDistance"/>).</param>
/// <param name="ConceptDelta">Causal effect: concept Δloss (nats) &gt; this (the larger of the random neurons' 95th percentile and the upper end of the 95% CI of their mean, at least <see cref="VerdictRules.MinConceptDelta"/>).</param>
/// <param name="Specificity">…and concept Δloss / max(control Δloss, floor) ≥ this.</param>
public sealed record VerdictThresholds(double AucDistance, double ConceptDelta, double Specificity)
{
    public string Rule =>
        $"strong encoding: |auc-0.5| >= {AucDistance:G4}; specific causal effect: concept delta > {ConceptDelta:G4} nats and specificity >= {Specificity:G4}; " +
        "responsible = both, encodes-but-unused = encoding only, contributes = effect only, none = neither";
}

/// <summary>Turns the random baselines into thresholds and the measurements of a neuron into a verdict.</summary>
public static class VerdictRules
{
    /// <summary>Floor on the encoding threshold: a neuron with |AUC − 0.5| below 0.1 is never called strong.</summary>
    public const double MinAucDistance = 0.1;
    /// <summary>Floor on the effect threshold (nats), so numerical noise is never an effect.</summary>
    public const double MinConceptDelta = 1e-3;
    /// <summary>Default ratio of concept to control effect for "specific".</summary>
    public const double DefaultSpecificity = 2.0;

    public static VerdictThresholds Thresholds(RandomBaseline aucDistance, RandomBaseline conceptDelta, double specificity = DefaultSpecificity) =>
        new(Math.Max(aucDistance.Percentile95, MinAucDistance),
            Math.Max(Math.Max(conceptDelta.Percentile95, conceptDelta.CiHigh), MinConceptDelta),
            specificity);

    public static Verdict Judge(double auc, double conceptDelta, double specificity, VerdictThresholds t)
    {
        bool encodes = Math.Abs(auc - 0.5) >= t.AucDistance;
        bool causal = conceptDelta > t.ConceptDelta && specificity >= t.Specificity;
        return (encodes, causal) switch
        {
            (true, true) => Verdict.Responsible,
            (true, false) => Verdict.EncodesButUnused,
            (false, true) => Verdict.Contributes,
            _ => Verdict.None,
        };
    }
}
