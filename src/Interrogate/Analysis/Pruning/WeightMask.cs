using Interrogate.Analysis.Importance;

namespace Interrogate.Analysis.Pruning;

/// <summary>
/// Unstructured pruning: which individual weights of <see cref="PrunableNetwork.PrunableWeights"/> are kept,
/// by parameter name. Applying it writes zeros; fine-tuning applies it after every step so pruned weights
/// stay zero. The saved model is dense with zeros (same file layout as any other).
/// </summary>
public sealed class WeightMask
{
    private readonly Dictionary<string, bool[]> keep;

    private WeightMask(Dictionary<string, bool[]> keep) => this.keep = keep;

    /// <summary>Methods that score single weights.</summary>
    public static readonly IReadOnlyList<string> Methods = ["magnitude", "wanda"];

    public IReadOnlyDictionary<string, bool[]> Keep => keep;
    public long Total => keep.Values.Sum(k => (long)k.Length);
    public long Zeroed => keep.Values.Sum(k => (long)k.Count(v => !v));
    /// <summary>Fraction of the masked weights that are zeroed.</summary>
    public double Sparsity => Total == 0 ? 0 : (double)Zeroed / Total;

    /// <summary>
    /// Zeroes <paramref name="fraction"/> of the prunable weights. "magnitude": the smallest |W| over all
    /// matrices together (one global threshold, as Han et al. 2015 in effect do for LeNet: big, redundant
    /// first layers lose most). "wanda": the lowest |W|·‖X‖ within each output row (Sun et al. 2023, who
    /// compare weights per output). Weights that are already zero go first.
    /// </summary>
    public static WeightMask Choose(PrunableNetwork network, string method, double fraction, IReadOnlyList<LayerStatistics>? stats = null)
    {
        var weights = network.PrunableWeights();
        var masks = new Dictionary<string, bool[]>();
        switch (method)
        {
            case "magnitude":
            {
                var all = weights.SelectMany(w => WeightImportance.Magnitude(w.Weight)).ToArray();
                long drop = (long)Math.Round(fraction * all.Length);
                var sorted = (float[])all.Clone();
                Array.Sort(sorted);
                float threshold = drop == 0 ? float.NegativeInfinity : sorted[drop - 1];
                // Ties at the threshold: drop in order until the count is exact.
                long below = sorted.Count(v => v < threshold), tiesToDrop = drop - below;
                foreach (var (name, weight, _, _) in weights)
                {
                    var mask = new bool[weight.Size];
                    var s = WeightImportance.Magnitude(weight);
                    for (int i = 0; i < s.Length; i++)
                        mask[i] = !(s[i] < threshold || (s[i] == threshold && tiesToDrop-- > 0));
                    masks[name] = mask;
                }
                break;
            }
            case "wanda":
            {
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
                throw new InputException($"--unstructured: method '{Formats.MessageText.Printable(method)}' scores neurons, not weights (use {string.Join(" or ", Methods)})");
        }
        return new WeightMask(masks);
    }

    /// <summary>Writes zeros at every masked weight of <paramref name="network"/> (matched by parameter name).</summary>
    public void Apply(PrunableNetwork network)
    {
        foreach (var (name, tensor) in network.Module.NamedParameters())
        {
            if (!keep.TryGetValue(name, out var mask)) continue;
            var w = tensor.Span;
            for (int i = 0; i < mask.Length; i++) if (!mask[i]) w[i] = 0f;
        }
    }

    /// <summary>Non-zero parameters of the whole network (every parameter, not only the prunable ones).</summary>
    public static long NonZeroParameters(PrunableNetwork network) =>
        network.Module.NamedParameters().Sum(p => (long)p.Tensor.ContiguousData().Span.Length - CountZeros(p.Tensor.ContiguousData().Span));

    private static long CountZeros(ReadOnlySpan<float> span)
    {
        long n = 0;
        foreach (var v in span) if (v == 0f) n++;
        return n;
    }
}
