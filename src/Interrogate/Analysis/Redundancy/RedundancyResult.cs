using Interrogate.Subjects;
namespace Interrogate.Analysis.Redundancy;

/// <summary>Per layer: how many neurons were merged away and what the removed set looks like given the kept set.</summary>
/// <param name="Layer">The layer's index.</param>
/// <param name="Hook">Its hook point.</param>
/// <param name="Width">Neurons before merging.</param>
/// <param name="Removed">Neurons merged away.</param>
/// <param name="RemovedGivenKeptR2">Held-out overall R² of all removed neurons regressed on all kept ones (set-to-set); null when none removed.</param>
/// <param name="RemovedKeptCka">Linear CKA between the removed and the kept group; null when none removed.</param>
/// <param name="SearchSeconds">Time spent fitting candidates for this layer, all rounds.</param>
public sealed record LayerRedundancy(int Layer, string Hook, int Width, int Removed, double? RemovedGivenKeptR2, double? RemovedKeptCka, double SearchSeconds);

/// <summary>
/// What a redundancy run found and did. The model's reading weights have been folded in place: by the
/// merges one by one (scoring <see cref="AfterGreedy"/>), or, when <see cref="Refitted"/>, by one
/// set-to-set fit per layer of the same removed neurons on all kept ones. <see cref="After"/> is the final model's score.
/// </summary>
public sealed record RedundancyResult(
    IReadOnlyList<Merge> Merges,
    IReadOnlyList<LayerRedundancy> Layers,
    SubjectEvaluation Before,
    SubjectEvaluation After,
    SubjectEvaluation AfterGreedy,
    bool Refitted,
    long FitRows,
    long HeldOutRows,
    double RecordSeconds,
    double TotalSeconds)
{
    /// <summary>Removed neuron indices per layer index, ascending (empty arrays for untouched layers).</summary>
    public IReadOnlyDictionary<int, int[]> Removed =>
        Layers.ToDictionary(l => l.Layer, l => Merges.Where(m => m.Layer == l.Layer).SelectMany(m => m.Removed).Order().ToArray());
}
