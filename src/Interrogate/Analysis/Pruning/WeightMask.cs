using Interrogate.Analysis.Importance;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>
/// Unstructured pruning: which individual weights of <see cref="Subject.PrunableWeights"/> are kept,
/// by parameter name. Applying it writes zeros; fine-tuning applies it after every step so pruned weights
/// stay zero. The saved model is dense with zeros (same file layout as any other).
/// </summary>
public sealed class WeightMask
{
    private readonly Dictionary<string, bool[]> keep;

    private WeightMask(Dictionary<string, bool[]> keep) => this.keep = keep;

    /// <summary>Methods that score single weights.</summary>
    public static readonly IReadOnlyList<PruningMethod> Methods = [PruningMethod.Magnitude, PruningMethod.Wanda];

    public IReadOnlyDictionary<string, bool[]> Keep => keep;
    public long Total => keep.Values.Sum(k => (long)k.Length);
    public long Zeroed => keep.Values.Sum(k => (long)k.Count(v => !v));
    /// <summary>Fraction of the masked weights that are zeroed.</summary>
    public double Sparsity => Total == 0 ? 0 : (double)Zeroed / Total;

    /// <summary>
    /// Zeroes <paramref name="fraction"/> of the prunable weights. "magnitude": the smallest |W|, spread
    /// over the matrices by <paramref name="allocation"/> (see <see cref="WeightAllocation"/>; LAMP scores
    /// are |W|² over the sum of the squares of the same matrix's weights at least as large). Wanda: the
    /// lowest |W|·‖X‖ within each output row (Sun et al. 2023, who compare weights per output; the
    /// allocation must be global, meaning the method's own). Weights that are already zero go first.
    /// </summary>
    public static WeightMask Choose(Subject network, PruningMethod method, double fraction, IReadOnlyList<LayerStatistics>? stats = null,
        WeightAllocation allocation = WeightAllocation.Global)
    {
        var weights = network.PrunableWeights();
        var masks = new Dictionary<string, bool[]>();
        switch (method)
        {
            case PruningMethod.Magnitude:
            {
                var scores = weights.Select(w => allocation == WeightAllocation.Lamp ? LampScores(WeightImportance.Magnitude(w.Weight)) : WeightImportance.Magnitude(w.Weight)).ToList();
                var keeps = allocation == WeightAllocation.Uniform ? [.. scores.Select(s => KeepHighest([s], fraction)[0])] : KeepHighest(scores, fraction);
                for (int i = 0; i < weights.Count; i++) masks[weights[i].Name] = keeps[i];
                break;
            }
            case PruningMethod.Wanda:
            {
                if (allocation != WeightAllocation.Global) throw new InputException($"--allocation: wanda compares weights within each output row; '{allocation.Name()}' applies to magnitude");
                stats ??= CalibrationStatistics.Measure(network);
                foreach (var (name, weight, layer, outgoing) in weights)
                {
                    var norms = outgoing ? stats[layer].ActivationNorm : stats[layer].InputNorm;
                    var s = WeightImportance.Wanda(weight, norms);
                    int cols = weight.Shape[1], drop = (int)Math.Round(fraction * cols);
                    var mask = Enumerable.Repeat(true, s.Length).ToArray();
                    for (int r = 0; r < weight.Shape[0]; r++)
                        foreach (int c in Enumerable.Range(0, cols).OrderBy(c => s[r * cols + c]).Take(drop)) mask[r * cols + c] = false;
                    masks[name] = mask;
                }
                break;
            }
            default:
                throw new InputException($"--unstructured: method '{method.Name()}' scores neurons, not weights (use {string.Join(" or ", Methods.Select(m => m.Name()))})");
        }
        return new WeightMask(masks);
    }

    /// <summary>
    /// One threshold over all the score arrays together: drops round(fraction · total) of the lowest
    /// scores (ties at the threshold in order, so the count is exact) and keeps the rest.
    /// </summary>
    private static bool[][] KeepHighest(IReadOnlyList<float[]> scores, double fraction)
    {
        var sorted = scores.SelectMany(s => s).ToArray();
        long drop = (long)Math.Round(fraction * sorted.Length);
        Array.Sort(sorted);
        float threshold = drop == 0 ? float.NegativeInfinity : sorted[drop - 1];
        long below = sorted.Count(v => v < threshold), tiesToDrop = drop - below;
        var keeps = new bool[scores.Count][];
        for (int m = 0; m < scores.Count; m++)
        {
            var s = scores[m];
            keeps[m] = new bool[s.Length];
            for (int i = 0; i < s.Length; i++) keeps[m][i] = !(s[i] < threshold || (s[i] == threshold && tiesToDrop-- > 0));
        }
        return keeps;
    }

    /// <summary>
    /// LAMP scores of one matrix's magnitudes: with the weights sorted by |w| ascending, weight u scores
    /// w_u² / Σ_{v ≥ u} w_v² (its share of the energy of itself and every larger weight). The largest
    /// weight scores 1; zeros score 0.
    /// </summary>
    public static float[] LampScores(float[] magnitudes)
    {
        var order = Enumerable.Range(0, magnitudes.Length).OrderBy(i => magnitudes[i]).ToArray();
        var scores = new float[magnitudes.Length];
        double suffix = 0;
        for (int k = order.Length - 1; k >= 0; k--)
        {
            double square = (double)magnitudes[order[k]] * magnitudes[order[k]];
            suffix += square;
            scores[order[k]] = suffix > 0 ? (float)(square / suffix) : 0f;
        }
        return scores;
    }

    /// <summary>Writes zeros at every masked weight of <paramref name="network"/> (matched by parameter name).</summary>
    public void Apply(Subject network)
    {
        foreach (var (name, tensor) in network.Module.NamedParameters())
        {
            if (!keep.TryGetValue(name, out var mask)) continue;
            var w = tensor.Span;
            for (int i = 0; i < mask.Length; i++) if (!mask[i]) w[i] = 0f;
        }
    }

    /// <summary>Non-zero parameters of the whole network (every parameter, not only the prunable ones).</summary>
    public static long NonZeroParameters(Subject network) =>
        network.Module.NamedParameters().Sum(p => (long)p.Tensor.ContiguousData().Span.Length - CountZeros(p.Tensor.ContiguousData().Span));

    private static long CountZeros(ReadOnlySpan<float> span)
    {
        long n = 0;
        foreach (var v in span) if (v == 0f) n++;
        return n;
    }
}
