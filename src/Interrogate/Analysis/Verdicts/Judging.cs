using Interrogate.Analysis.Ablation;
using Interrogate.Analysis.Concepts;
using Interrogate.Nn;
using Interrogate.Numerics;

namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// From the batched ablation's losses to verdicts: effects with paired-bootstrap intervals, rank
/// p-values against the random units of the same layer, Holm across the run, held-out encoding against
/// the random units' AUC null, set tests against random sets, and each layer's minimum detectable effect.
/// </summary>
internal static class Judging
{
    public sealed record Judged(ConceptNeuronStudy.Entry Entry, double HeldOutAuc, RoleEffect Effect, double PValue, double HolmPValue,
        bool Encodes, bool Causal, Verdict Verdict);

    public sealed record CleanLosses(double Detector, double Predictor, double Control);

    public sealed record Outcome(IReadOnlyList<Judged> Candidates, IReadOnlyList<LayerBaseline> Baselines, IReadOnlyList<SetAblation> Sets, CleanLosses Clean);

    /// <remarks>
    /// jobs are in the study's order: candidate units, then (exact null) the random units, then per role its top set
    /// (at <paramref name="topSetJobs"/>) followed (exact null) by its random sets. With an estimated null the random
    /// units' and sets' nulls come from <paramref name="estimated"/> instead; the held-out AUC null is always exact.
    /// </remarks>
    public static Outcome Judge(EvaluationPlan plan, BatchedAblationResult ablation, IReadOnlyList<AblationJob> jobs, List<UnitRef> candidates,
        List<UnitRef> randoms, List<UnitRef> recorded, List<ConceptNeuronStudy.Entry> entries, Dictionary<ConceptRole, List<UnitRef>> topSets,
        Dictionary<ConceptRole, List<List<UnitRef>>> randomSets, ConceptStudyOptions options, ulong bootstrapSeed,
        Dictionary<ConceptRole, int> topSetJobs, NullEstimates.Nulls? estimated = null)
    {
        var indices = WindowEffects.Indices(plan);
        var bootstrap = new PairedBootstrap(plan.Windows, PairedBootstrap.DefaultResamples, bootstrapSeed);
        var effects = jobs.Select((_, j) => WindowEffects.Of(ablation.Delta[j], indices)).ToArray();
        var clean = WindowEffects.Of(ablation.CleanLoss, indices);
        var heldOut = HeldOutAuc(plan, ablation, recorded);
        int randomStart = candidates.Count;

        // Null per (layer, role): the random units' concept effects (exact or estimated) and held-out |AUC − 0.5| (always exact).
        var nulls = new Dictionary<(string, ConceptRole), NullSample>();
        var aucs = new Dictionary<(string, ConceptRole), double[]>();
        foreach (var hook in options.Hooks)
            foreach (var role in ConceptRoles.Both)
            {
                var mine = randoms.Select((u, i) => (u, i)).Where(x => x.u.Hook == hook).ToList();
                nulls[(hook, role)] = estimated?.Units[(hook, role)] ?? new NullSample([.. mine.Select(x => x.u.Index)],
                    [.. mine.Select(x => effects[randomStart + x.i].Concept(role))], [.. mine.Select(x => effects[randomStart + x.i].Control)], null);
                aucs[(hook, role)] = [.. mine.Select(x => Math.Abs(heldOut[(x.u, role)] - 0.5))];
            }
        var thresholds = aucs.ToDictionary(kv => kv.Key, kv => VerdictRules.Thresholds(kv.Value));

        var measured = entries.Select(e =>
        {
            var effect = effects[candidates.IndexOf(e.Unit)];
            return (Entry: e, Effect: effect.Effect(e.Role, bootstrap), P: nulls[(e.Unit.Hook, e.Role)].PValue(effect.Concept(e.Role)));
        }).ToList();
        var holm = MultipleComparisons.Holm([.. measured.Select(m => m.P)]);
        var judged = measured.Select((m, i) =>
        {
            var t = thresholds[(m.Entry.Unit.Hook, m.Entry.Role)];
            double auc = heldOut[(m.Entry.Unit, m.Entry.Role)];
            bool encodes = VerdictRules.Encodes(auc, t), causal = VerdictRules.Causal(holm[i], m.Effect.Concept, m.Effect.Specificity, t);
            return new Judged(m.Entry, auc, m.Effect, m.P, holm[i], encodes, causal, VerdictRules.Judge(encodes, causal));
        }).ToList();

        var baselines = nulls.Select(kv =>
        {
            var ((hook, role), input) = (kv.Key, kv.Value);
            var widths = judged.Where(j => j.Entry.Role == role && j.Entry.Unit.Hook == hook).Select(j => j.Effect.Concept.HalfWidth).ToList();
            if (widths.Count == 0) widths = [.. judged.Where(j => j.Entry.Role == role).Select(j => j.Effect.Concept.HalfWidth)];
            double intervalNeeded = widths.Count == 0 ? double.NaN : widths.Order().ElementAt(widths.Count / 2);
            double rankNeeded = input.SmallestPassing(VerdictRules.Alpha / Math.Max(1, judged.Count));
            ulong seed = bootstrapSeed + (ulong)HookNames.LayerOf(hook) * 7 + (ulong)role;
            return new LayerBaseline(hook, HookNames.LayerOf(hook), role, input.Units, RandomBaseline.Of(aucs[kv.Key], seed),
                RandomBaseline.Of(input.Values, seed + 1), RandomBaseline.Of(input.Controls, seed + 2), thresholds[kv.Key], rankNeeded, intervalNeeded)
            {
                Calibration = input.Estimated?.Calibration,
            };
        }).OrderBy(b => b.Role).ThenBy(b => b.Layer).ToList();

        var sets = new List<(ConceptRole Role, RoleEffect Effect, NullSample Null, double P)>();
        foreach (var role in ConceptRoles.Both)
        {
            int at = topSetJobs[role];
            var top = effects[at];
            var setNull = estimated?.Sets[role] ?? new NullSample([], [.. Enumerable.Range(at + 1, randomSets[role].Count).Select(j => effects[j].Concept(role))], [], null);
            sets.Add((role, top.Effect(role, bootstrap), setNull, setNull.PValue(top.Concept(role))));
        }
        var setHolm = MultipleComparisons.Holm([.. sets.Select(s => s.P)]);
        var setResults = sets.Select((s, i) => new SetAblation(s.Role, [.. topSets[s.Role].Select(u => u.ToString())], s.Effect, s.Null.Values.Length,
            s.Null.Values.Average(), PairedBootstrap.Quantile([.. s.Null.Values.Order()], 0.95), s.P, setHolm[i],
            setHolm[i] <= VerdictRules.Alpha && s.Effect.Concept.Low > 0 && s.Effect.Specificity.Low > 0)
        {
            Calibration = s.Null.Estimated?.Calibration,
        }).ToList();
        return new Outcome(judged, baselines, setResults,
            new CleanLosses(clean.Concept(ConceptRole.Detector), clean.Concept(ConceptRole.Predictor), clean.Control));
    }

    /// <summary>Exact AUC of every recorded unit on the evaluation windows (positions 0..length−2), in each role's labels.</summary>
    private static Dictionary<(UnitRef, ConceptRole), double> HeldOutAuc(EvaluationPlan plan, BatchedAblationResult ablation, List<UnitRef> recorded)
    {
        int length = plan.Length, n = plan.Windows * (length - 1);
        var roleLabels = ConceptRoles.Both.ToDictionary(r => r, r =>
        {
            var l = new bool[n];
            var concept = plan.Concept(r);
            for (int w = 0; w < plan.Windows; w++) foreach (var p in concept[w]) l[w * (length - 1) + p] = true;
            return l;
        });
        var result = new Dictionary<(UnitRef, ConceptRole), double>();
        var values = new float[n];
        for (int u = 0; u < recorded.Count; u++)
        {
            for (int w = 0; w < plan.Windows; w++) ablation.Recorded[u].AsSpan(w * length, length - 1).CopyTo(values.AsSpan(w * (length - 1)));
            foreach (var role in ConceptRoles.Both)
                result[(recorded[u], role)] = NeuronRanking.Rank(values, 1, roleLabels[role])[0].Auc;
        }
        return result;
    }
}
