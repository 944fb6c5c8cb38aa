using Interrogate.Analysis.Redundancy;
using Interrogate.Features;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>What pruning a dictionary's features removed and what it cost on the evaluation data.</summary>
/// <param name="Latents">Features before.</param>
/// <param name="Removed">Features folded away.</param>
/// <param name="Original">The model with the original dictionary's edits (it sees exactly its own activations) on the evaluation data.</param>
/// <param name="Pruned">The same with the removed features folded into the kept ones, reconstruction error kept.</param>
/// <param name="SearchedOn">The data the fits were made and checked on (never the evaluation data).</param>
/// <param name="ReportedOn">The data both losses are measured on.</param>
public sealed record FeaturePruningReport(int Latents, int Removed, SubjectEvaluation Original, SubjectEvaluation Pruned, string SearchedOn, string ReportedOn)
{
    /// <summary>The method that chose the features.</summary>
    public PruningMethod Method { get; init; } = PruningMethod.Redundancy;

    /// <summary>With --screen atp: how many features were mean-ablated exactly and how AtP ranked them.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ScreeningLayer>? Screening { get; init; }
}

/// <summary>
/// `prune --units sae:DIR --method redundancy`: removes a fraction of a dictionary's features, those best
/// explained (held-out R², ranked) by the others, folding each into the decoder columns of the features
/// that explain it. Fits use the calibration tokens only (3/4 to fit, 1/4 to check); losses are reported
/// on the evaluation tokens. Returns the smaller dictionary, in the same activation and hooks.
/// </summary>
public static class FeaturePruning
{
    public static (SparseDictionary Smaller, FeaturePruningReport Report) Run(SparseDictionary dictionary, LanguageModelSubject text, double fraction,
        Action<string, double>? progress = null)
    {
        if (!(fraction > 0 && fraction < 1)) throw new InputException($"--target: {fraction} is not a fraction in (0, 1)");
        var decided = new FeatureSubject(dictionary, (LanguageModelSubject)text.CalibrationSplit());
        var reported = decided.WithTokens(text);
        var original = reported.Evaluate();
        var options = new RedundancyOptions
        {
            MinR2 = RedundancyPruningMethod.Ranked, TargetFraction = fraction, MaxRounds = 64, MeasureEachMerge = false, MaxAblationGroups = 0,
        };
        var result = new RedundancyPlanner(decided, options).Run(progress);
        var removed = result.Removed.Values.SelectMany(r => r).ToArray();
        var report = new FeaturePruningReport(dictionary.Latents, removed.Length, original, reported.Evaluate(),
            decided.Describe(DataPart.Calibration), text.Describe(DataPart.Evaluation));
        return (decided.Smaller(removed), report);
    }

    /// <summary>
    /// Any other method (<see cref="FeatureUnitsPruning"/>): the fraction of features it scores lowest on the
    /// calibration tokens are removed with their calibration means folded into b_dec (as `prune` removes neurons);
    /// losses on the evaluation tokens.
    /// </summary>
    public static (SparseDictionary Smaller, FeaturePruningReport Report) Run(SparseDictionary dictionary, LanguageModelSubject text, PruningMethod method,
        double fraction, PruningScreen screen = PruningScreen.None, double screenFactor = ScreenedAblationMethod.DefaultFactor, Action<string, double>? progress = null)
    {
        if (method == PruningMethod.Redundancy && screen == PruningScreen.None) return Run(dictionary, text, fraction, progress);
        if (!(fraction > 0 && fraction < 1)) throw new InputException($"--target: {fraction} is not a fraction in (0, 1)");
        if (PruningMethods.CountFor(dictionary.Latents, fraction) >= dictionary.Latents)
            throw new InputException($"--target: {fraction} removes all {dictionary.Latents} features; choose a smaller target");
        var units = new FeatureUnitsPruning(dictionary, text);
        var decision = units.Method(method, screen: screen, factor: screenFactor).Analyse(units.Analysed, progress);
        var removed = decision.ChooseOnly(units.Analysed, fraction)[0];
        var pruned = units.Removed(removed, Compensation.MeanIntoBias);
        var report = new FeaturePruningReport(dictionary.Latents, removed.Length, units.Removed([], Compensation.MeanIntoBias).Evaluate(), pruned.Evaluate(),
            text.Describe(DataPart.Calibration), text.Describe(DataPart.Evaluation))
        {
            Method = method, Screening = (decision as ScreenedAblationDecision)?.Report(),
        };
        return (pruned.Smaller(removed), report);
    }
}
