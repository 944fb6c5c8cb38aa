using Interrogate.Numerics;
using System.Diagnostics;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Redundancy;

/// <summary>
/// Proves which neurons are redundant and folds them away, in place. Activations of every layer are
/// summarised once into fit and held-out moments; then, round by round, every neuron still present
/// gets its best held-out explanation by the others (<see cref="MergeSearch"/>), and candidates from
/// all layers are taken by R² (then lowest bound). Within a round a neuron used as a regressor is
/// never removed and a removed one is never a regressor; the next round refits on what is left. Each
/// accepted merge is folded into the reading weights (<see cref="Folding"/>) and, optionally, its
/// Δloss measured. Folding does not change any activation, so the moments stay valid throughout.
/// <para>
/// The prune driver calls <see cref="Run"/> with a <see cref="RedundancyOptions.TargetFraction"/>
/// or <see cref="RedundancyOptions.LossBudget"/> and then cuts <see cref="RedundancyResult.Removed"/>
/// out of the model; the report command calls it with neither and leaves the files alone.
/// </para>
/// </summary>
public sealed class RedundancyPlanner(Subject subject, RedundancyOptions? options = null)
{
    private const int MaxConsecutiveRejections = 16;
    private readonly RedundancyOptions options = options ?? new RedundancyOptions();

    /// <summary>Records, searches, folds and measures. progress gets a stage and a fraction in [0, 1].</summary>
    public RedundancyResult Run(Action<string, double>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var stats = Record(progress);
        double recordSeconds = clock.Elapsed.TotalSeconds;
        var original = new Folding.Snapshot(subject.Layers);
        progress?.Invoke("measuring the starting loss", 0.4);
        var before = subject.Evaluate();
        var (merges, after, searchSeconds) = Merge(stats, before, progress, cancel);
        MeasureAblations(stats, merges, original, before, progress, cancel);
        var (final, refitted) = options.RefitOnKept && merges.Count > 0 ? Refit(stats, merges, original, before, after) : (after, false);
        var layers = stats.Select((s, l) => Summarise(s, merges, searchSeconds[l])).ToList();
        return new RedundancyResult(merges, layers, before, final, after, refitted, stats[0].Fit.Count, stats[0].HeldOut.Count, recordSeconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Streams the fit and the held-out data once each into per-layer moments.</summary>
    private List<LayerStatistics> Record(Action<string, double>? progress)
    {
        var layers = subject.Layers;
        if (layers.Count == 0) throw new InputException("redundancy: the model has no layers of neurons to analyse");
        var parts = new Dictionary<DataPart, ActivationMoments[]>();
        foreach (var part in new[] { DataPart.Calibration, DataPart.HeldOut })
        {
            progress?.Invoke(part == DataPart.Calibration ? "recording fit activations" : "recording held-out activations", part == DataPart.Calibration ? 0 : 0.3);
            var moments = layers.Select(l => new ActivationMoments(l.Width)).ToArray();
            subject.Stream(part, (l, rows) => moments[l].Add(rows));
            parts[part] = moments;
        }
        return [.. layers.Select((l, i) => new LayerStatistics(l, parts[DataPart.Calibration][i], parts[DataPart.HeldOut][i]))];
    }

    private (List<Merge> Merges, SubjectEvaluation After, double[] SearchSeconds) Merge(List<LayerStatistics> stats, SubjectEvaluation before,
        Action<string, double>? progress, CancellationToken cancel)
    {
        var present = stats.Select(s => Enumerable.Repeat(true, s.Layer.Width).ToArray()).ToArray();
        var searchSeconds = new double[stats.Count];
        var position = stats.Select((s, i) => (s.Layer.Index, i)).ToDictionary(p => p.Index, p => p.i);
        int total = stats.Sum(s => s.Layer.Width);
        int target = options.TargetFraction is double f ? (int)Math.Ceiling(f * total) : int.MaxValue;
        var merges = new List<Merge>();
        var current = before;
        int rejections = 0;
        for (int round = 1; round <= options.MaxRounds && merges.Count < target && rejections < MaxConsecutiveRejections; round++)
        {
            var candidates = new List<Merge>();
            for (int l = 0; l < stats.Count; l++)
            {
                cancel.ThrowIfCancellationRequested();
                progress?.Invoke($"round {round}: searching layer {stats[l].Layer.Index}", 0.4 + 0.1 * l / stats.Count);
                var watch = Stopwatch.StartNew();
                candidates.AddRange(MergeSearch.Candidates(stats[l], present[l], options.MinR2, options.MaxSet, round, options.Ridge));
                searchSeconds[l] += watch.Elapsed.TotalSeconds;
            }
            var regressors = stats.Select(_ => new HashSet<int>()).ToArray();
            int accepted = 0, seen = 0;
            foreach (var candidate in candidates.OrderByDescending(c => c.R2).ThenBy(c => c.Bound))
            {
                cancel.ThrowIfCancellationRequested();
                progress?.Invoke($"round {round}: folding {merges.Count} merged", 0.5 + 0.4 * ++seen / candidates.Count);
                if (merges.Count >= target || rejections >= MaxConsecutiveRejections) break;
                int l = position[candidate.Layer];
                if (candidate.Removed.Any(regressors[l].Contains) || candidate.Kept.Any(k => !present[l][k])) continue;
                var undo = options.LossBudget is null && options.MaxAccuracyDrop is null ? null : new Folding.Snapshot([stats[l].Layer]);
                Folding.Fold(stats[l].Layer, candidate);
                var merge = candidate;
                if (options.MeasureEachMerge)
                {
                    var score = subject.Evaluate();
                    if (OverBudget(before, score))
                    {
                        undo!.Restore();
                        rejections++;
                        continue;
                    }
                    merge = candidate with { DeltaLoss = score.Loss - current.Loss, CumulativeDeltaLoss = score.Loss - before.Loss, Accuracy = score.Accuracy };
                    current = score;
                }
                rejections = 0;
                foreach (int j in candidate.Removed) present[l][j] = false;
                regressors[l].UnionWith(candidate.Kept);
                merges.Add(merge);
                accepted++;
            }
            if (accepted == 0) break;
        }
        var after = options.MeasureEachMerge || merges.Count == 0 ? current : subject.Evaluate();
        return (merges, after, searchSeconds);
    }

    private bool OverBudget(SubjectEvaluation before, SubjectEvaluation now) =>
        (options.LossBudget is double budget && now.Loss - before.Loss > budget)
        || (options.MaxAccuracyDrop is double drop && before.Accuracy is double a && now.Accuracy is double b && a - b > drop + 1e-12);

    /// <summary>
    /// Single and joint mean-ablation of each merge's group, measured on the original weights (the
    /// folded ones are put back afterwards), for the first <see cref="RedundancyOptions.MaxAblationGroups"/> merges.
    /// </summary>
    private void MeasureAblations(List<LayerStatistics> stats, List<Merge> merges, Folding.Snapshot original, SubjectEvaluation before,
        Action<string, double>? progress, CancellationToken cancel)
    {
        int count = Math.Min(merges.Count, options.MaxAblationGroups ?? int.MaxValue);
        if (count == 0) return;
        var folded = new Folding.Snapshot(subject.Layers);
        original.Restore();
        try
        {
            var byIndex = stats.ToDictionary(s => s.Layer.Index);
            var means = stats.ToDictionary(s => s.Layer.Index, s => s.Fit.Means());
            for (int i = 0; i < count; i++)
            {
                cancel.ThrowIfCancellationRequested();
                progress?.Invoke($"ablating group {i + 1}/{count}", 0.9 + 0.1 * i / count);
                var m = merges[i];
                var layer = byIndex[m.Layer].Layer;
                var single = m.Members.Select(j => MeanAblation.DeltaLoss(subject, layer, [j], means[m.Layer], before.Loss)).ToArray();
                double joint = m.Members.Length == 1 ? single[0] : MeanAblation.DeltaLoss(subject, layer, m.Members, means[m.Layer], before.Loss);
                merges[i] = m with { SingleAblation = single, JointAblation = joint };
            }
        }
        finally
        {
            folded.Restore();
        }
    }

    /// <summary>
    /// Refolds the original weights with one map per layer, removed ≈ A·kept + d over all kept neurons;
    /// keeps it when its evaluation loss beats the greedy folds' within the budgets, else puts those back.
    /// </summary>
    private (SubjectEvaluation Score, bool Refitted) Refit(List<LayerStatistics> stats, List<Merge> merges, Folding.Snapshot original, SubjectEvaluation before, SubjectEvaluation greedy)
    {
        var folded = new Folding.Snapshot(subject.Layers);
        original.Restore();
        foreach (var s in stats)
        {
            var removed = merges.Where(m => m.Layer == s.Layer.Index).SelectMany(m => m.Removed).Order().ToArray();
            if (removed.Length == 0) continue;
            Folding.Fold(s.Layer, LayerMap(s, removed, options.Ridge));
        }
        var score = subject.Evaluate();
        if (score.Loss < greedy.Loss && !OverBudget(before, score)) return (score, true);
        folded.Restore();
        return (greedy, false);
    }

    /// <summary>
    /// The set-to-set fit removed ≈ A·kept + d of one layer (kept: every other neuron), fitted once per
    /// ridge: the refold and the summary ask for the same fit, a factorisation of the whole layer's
    /// kept covariance (3,072 neurons at GPT-2 small).
    /// </summary>
    private LinearMap LayerMap(LayerStatistics stats, int[] removed, double ridge)
    {
        var key = (stats.Layer.Index, ridge, string.Join(",", removed));
        if (layerMaps.TryGetValue(key, out var map)) return map;
        var kept = Enumerable.Range(0, stats.Layer.Width).Except(removed).ToArray();
        return layerMaps[key] = LinearFit.Fit(stats.Fit, kept, removed, stats.Intercept, ridge);
    }

    private readonly Dictionary<(int Layer, double Ridge, string Removed), LinearMap> layerMaps = [];

    /// <summary>Counts, and the set-to-set fit of everything removed in the layer on everything kept.</summary>
    private LayerRedundancy Summarise(LayerStatistics stats, List<Merge> merges, double searchSeconds)
    {
        var removed = merges.Where(m => m.Layer == stats.Layer.Index).SelectMany(m => m.Removed).Order().ToArray();
        if (removed.Length == 0) return new(stats.Layer.Index, stats.Layer.ActivationHook, stats.Layer.Width, 0, null, null, searchSeconds);
        var kept = Enumerable.Range(0, stats.Layer.Width).Except(removed).ToArray();
        var map = LayerMap(stats, removed, LinearFit.DefaultRidge);
        double r2 = LinearFit.Score(map, stats.HeldOut, stats.VarianceFloor).OverallR2;
        double? cka = kept.Length == 0 ? null : LinearCka.Between(stats.Fit, removed, kept);
        return new(stats.Layer.Index, stats.Layer.ActivationHook, stats.Layer.Width, removed.Length, r2, cka, searchSeconds);
    }
}
