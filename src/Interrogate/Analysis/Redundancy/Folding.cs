using Interrogate.Numerics;
using Interrogate.Tensors;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Redundancy;

/// <summary>
/// Folds a merge into a layer's reading weights, in place: for h_removed ≈ A·h_kept + d,
/// W_out[:, kept] += W_out[:, removed]·A and b_out += W_out[:, removed]·d, then W_out[:, removed] = 0.
/// The zeroed columns make the model compute exactly what it will after the neurons are cut out,
/// so losses measured now are the losses after structural removal.
/// </summary>
public static class Folding
{
    public static void Fold(UnitLayer layer, Merge merge) => Fold(layer, new LinearMap(merge.Kept, merge.Removed, merge.Coefficients, merge.Offsets));

    /// <summary>Folds h_outputs ≈ A·h_inputs + d: the outputs are removed, the inputs kept (set-to-set).</summary>
    public static void Fold(UnitLayer layer, LinearMap map)
    {
        var w = layer.OutputWeight.Span;   // [out, width]
        int width = layer.Width, k = map.Inputs.Length;
        var (removed, kept) = (map.Outputs, map.Inputs);
        if (layer.OutputBias is null && map.Offsets.Any(d => d != 0))
            throw new InvalidOperationException($"layer {layer.Index}: its reading layer has no bias, so a merge with offsets cannot be folded");
        var bias = layer.OutputBias is { } b ? b.Span : Span<float>.Empty;
        for (int o = 0; o < layer.OutputSize; o++)
        {
            var row = w.Slice(o * width, width);
            for (int r = 0; r < removed.Length; r++)
            {
                double v = row[removed[r]];
                for (int i = 0; i < k; i++) row[kept[i]] += (float)(map.Coefficients[r * k + i] * v);
                if (bias.Length > 0) bias[o] += (float)(map.Offsets[r] * v);
                row[removed[r]] = 0f;
            }
        }
    }

    /// <summary>Copies of the reading weights and biases of every layer, to undo folds or to measure the original model.</summary>
    public sealed class Snapshot
    {
        private readonly List<(Tensor Tensor, float[] Copy)> saved = [];

        public Snapshot(IEnumerable<UnitLayer> layers)
        {
            foreach (var layer in layers)
            {
                saved.Add((layer.OutputWeight, layer.OutputWeight.Span.ToArray()));
                if (layer.OutputBias is { } b) saved.Add((b, b.Span.ToArray()));
            }
        }

        /// <summary>Writes the saved values back into the tensors.</summary>
        public void Restore()
        {
            foreach (var (tensor, copy) in saved) copy.CopyTo(tensor.Span);
        }
    }
}
