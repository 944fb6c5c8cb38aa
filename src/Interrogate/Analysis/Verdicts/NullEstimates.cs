using Interrogate.Analysis.Ablation;
using Interrogate.Analysis.Attribution;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Sharding;

namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// The estimated null of a concept study (<see cref="NullMode.Estimated"/>). On the first CalibrationWindows
/// evaluation windows: exact ablations of a seeded subsample of each layer's random units and of each role's random
/// sets, and one attribution-patching pass per window and role (<see cref="AttributionScreen.Estimate"/>, plain AtP:
/// a signed estimate of the role's concept effect for every unit). A random set's estimate is the sum of its units'.
/// Each null is then an <see cref="EstimatedNull"/>: exact members plus calibrated estimates whose error (residual
/// spread, inflated to its upper confidence bound, and the window-sampling spread) enters the rank p-value.
/// </summary>
internal static class NullEstimates
{
    public sealed record Nulls(Dictionary<(string Hook, ConceptRole Role), NullSample> Units, Dictionary<ConceptRole, NullSample> Sets);

    /// <summary>Where a study's --out folder keeps the calibration ablations (their own file, sharded and merged like the main one).</summary>
    public static string Directory(string ablationDirectory) => Path.Combine(ablationDirectory, "calibration");

    /// <summary>
    /// The calibration's exact ablations on the first CalibrationWindows windows: each layer's calibration units,
    /// then each role's first ExactSetsPerRole random sets (detector, then predictor). Whole, or the block of one
    /// shard (saved under <see cref="Directory"/> of the study's folder, null returned), or read back when saved.
    /// </summary>
    public static BatchedAblationResult? Ablate(CausalLanguageModel model, EvaluationPlan plan, int[][] positions, NullPlan nullPlan,
        IReadOnlyList<UnitRef> randomUnits, HashSet<UnitRef> calibrationUnits, Dictionary<ConceptRole, List<List<UnitRef>>> randomSets,
        BatchedAblationOptions ablationOptions, string fingerprint, ShardSpec? shard, string? studyDirectory, Action<string, double>? progress)
    {
        int windows = nullPlan.CalibrationWindows;
        var (calUnits, calSets) = Calibration(nullPlan, randomUnits, calibrationUnits, randomSets);
        var jobs = calUnits.Select(u => new AblationJob($"calibration {u}", [u]))
            .Concat(ConceptRoles.Both.SelectMany(r => calSets[r].Select((s, i) => new AblationJob($"calibration {r.Name()} set {i}", s)))).ToList();
        return StudyAblationShards.Run(model, plan.Ids[..windows], positions[..windows], jobs, ablationOptions with { Record = [] },
            $"{fingerprint}|calibration {windows} windows, {nullPlan.ExactUnitsPerLayer} units, {nullPlan.ExactSetsPerRole} sets", shard,
            studyDirectory is null ? null : Directory(studyDirectory),
            f => progress?.Invoke($"estimated null: ablating {jobs.Count} calibration units and sets on {windows} windows", f));
    }

    private static (List<UnitRef> Units, Dictionary<ConceptRole, List<List<UnitRef>>> Sets) Calibration(NullPlan nullPlan, IReadOnlyList<UnitRef> randomUnits,
        HashSet<UnitRef> calibrationUnits, Dictionary<ConceptRole, List<List<UnitRef>>> randomSets) =>
        (randomUnits.Where(calibrationUnits.Contains).ToList(), ConceptRoles.Both.ToDictionary(r => r, r => randomSets[r].Take(nullPlan.ExactSetsPerRole).ToList()));

    /// <summary>The calibrated nulls, from the calibration's ablations (<see cref="Ablate"/>, whole) and one AtP pass per calibration window and role.</summary>
    public static Nulls Build(CausalLanguageModel model, EvaluationPlan plan, NullPlan nullPlan, IReadOnlyList<string> hooks,
        IReadOnlyList<UnitRef> randomUnits, HashSet<UnitRef> calibrationUnits, Dictionary<ConceptRole, List<List<UnitRef>>> randomSets,
        BatchedAblationOptions ablationOptions, BatchedAblationResult ablated, Action<string, double>? progress)
    {
        int windows = nullPlan.CalibrationWindows;
        var (calUnits, calSets) = Calibration(nullPlan, randomUnits, calibrationUnits, randomSets);
        var indices = WindowEffects.Indices(plan);
        var effects = ablated.Delta.Select(d => WindowEffects.Of(d, indices)).ToArray();
        // A calibration effect is a mean over `windows` of the plan's windows; the candidates' over all of them.
        double unsampled = 1 - (double)windows / plan.Windows;

        var widths = model.DescribeHookPoints(1, 1).ToDictionary(h => h.Name, h => h.Shape[^1]);
        var means = hooks.ToDictionary(h => h, h => ablationOptions.Method == AblationMethod.Zero ? new float[widths[h]]
            : [.. Enumerable.Range(0, widths[h]).Select(j => ablationOptions.Means!(new UnitRef(h, j)))]);
        var units = new Dictionary<(string, ConceptRole), NullSample>();
        var sets = new Dictionary<ConceptRole, NullSample>();
        foreach (var role in ConceptRoles.Both)
        {
            var batches = new List<TokenBatch>();
            var scored = new List<bool[]>();
            for (int w = 0; w < windows; w++)
            {
                batches.Add(new TokenBatch(plan.Ids[w], 1, plan.Length));
                var mask = new bool[plan.Length];
                foreach (var p in plan.Concept(role)[w]) mask[p] = true;   // position p's prediction of token p+1
                scored.Add(mask);
            }
            progress?.Invoke($"estimated null: attribution patching of every unit ({role.Name()})", 0);
            var atp = AttributionScreen.Estimate(model, batches, scored, hooks, means, gradDrop: false).ToDictionary(s => s.Hook, s => s.AtP);
            foreach (var hook in hooks)
            {
                var cal = calUnits.Select((u, j) => (u, j)).Where(x => x.u.Hook == hook).ToList();
                var others = randomUnits.Where(u => u.Hook == hook && !calibrationUnits.Contains(u)).ToList();
                double sampling = cal.Average(x => effects[x.j].ConceptVariance(role)) * unsampled;
                var estimate = new EstimatedNull([.. cal.Select(x => atp[hook][x.u.Index])], [.. cal.Select(x => effects[x.j].Concept(role))],
                    [.. others.Select(u => atp[hook][u.Index])], sampling, windows);
                units[(hook, role)] = new NullSample([.. cal.Select(x => x.u.Index), .. others.Select(u => u.Index)], estimate.PointValues,
                    [.. cal.Select(x => effects[x.j].Control)], estimate);
            }
            int first = calUnits.Count + (role == ConceptRole.Detector ? 0 : calSets[ConceptRole.Detector].Count);
            var setEffects = Enumerable.Range(first, calSets[role].Count).Select(j => effects[j]).ToList();
            double SetAtp(List<UnitRef> set) => set.Sum(u => atp[u.Hook][u.Index]);
            var setEstimate = new EstimatedNull([.. calSets[role].Select(SetAtp)], [.. setEffects.Select(e => e.Concept(role))],
                [.. randomSets[role].Skip(calSets[role].Count).Select(SetAtp)], setEffects.Average(e => e.ConceptVariance(role)) * unsampled, windows);
            sets[role] = new NullSample([], setEstimate.PointValues, [.. setEffects.Select(e => e.Control)], setEstimate);
        }
        return new Nulls(units, sets);
    }
}
