using Interrogate.Analysis.Importance;
using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Analysis.Pruning;

/// <summary>
/// Physically removes neurons: the rows of every incoming linear (weight and bias) and the columns of the
/// outgoing weight, giving a network of the same architecture with narrower layers. With
/// <c>means</c>, each removed neuron's mean activation times its outgoing column is added to the outgoing
/// bias, so the smaller network computes exactly what the original does with those neurons
/// mean-ablated (where the reader has no bias, as in Llama's down projection, removal is zero-ablation).
/// </summary>
public static class NeuronRemoval
{
    /// <param name="network">The network to shrink; it is not modified.</param>
    /// <param name="removed">Per layer, the neuron indices to remove.</param>
    /// <param name="means">Per layer, every neuron's mean activation [width], or null for plain removal.</param>
    public static PrunableNetwork Remove(PrunableNetwork network, int[][] removed, IReadOnlyList<float[]>? means = null)
    {
        var layers = network.Layers;
        if (removed.Length != layers.Count) throw new ArgumentException($"{removed.Length} removal lists for {layers.Count} layers");
        var keep = new int[layers.Count][];
        for (int l = 0; l < layers.Count; l++)
        {
            var gone = removed[l].ToHashSet();
            if (gone.Any(j => j < 0 || j >= layers[l].Width)) throw new ArgumentException($"layer {l}: neuron index out of range");
            keep[l] = [.. Enumerable.Range(0, layers[l].Width).Where(j => !gone.Contains(j))];
            if (keep[l].Length == 0)
                throw new InputException($"removing {gone.Count} of {layers[l].Width} neurons would empty layer {layers[l].Name}; choose a smaller --target");
        }
        var rows = new Dictionary<Tensor, int[]>(ReferenceEqualityComparer.Instance);
        var cols = new Dictionary<Tensor, int[]>(ReferenceEqualityComparer.Instance);
        for (int l = 0; l < layers.Count; l++)
        {
            foreach (var linear in layers[l].Incoming)
            {
                rows[linear.Weight] = keep[l];
                if (linear.Bias is not null) rows[linear.Bias] = keep[l];
            }
            cols[layers[l].Outgoing.Weight] = keep[l];
        }
        var result = network.Resized([.. keep.Select(k => k.Length)]);
        foreach (var ((_, from), (_, to)) in network.Module.NamedParameters().Zip(result.Module.NamedParameters()))
            Gather(from, to, rows.GetValueOrDefault(from), cols.GetValueOrDefault(from));
        if (means is not null)
            for (int l = 0; l < layers.Count; l++)
                CompensateBias(layers[l].Outgoing, result.Layers[l].Outgoing, removed[l], means[l]);
        return result;
    }

    /// <summary>Copies the kept rows and columns of <paramref name="from"/> ([rows] or [rows, cols]) into <paramref name="to"/>.</summary>
    private static void Gather(Tensor from, Tensor to, int[]? rows, int[]? cols)
    {
        var src = from.ContiguousData().Span;
        var dst = to.Span;
        if (from.Rank == 1)
        {
            if (rows is null) src.CopyTo(dst);
            else for (int i = 0; i < rows.Length; i++) dst[i] = src[rows[i]];
            return;
        }
        int fromCols = from.Shape[1], toCols = to.Shape[1], toRows = to.Shape[0];
        for (int r = 0; r < toRows; r++)
        {
            int sr = rows?[r] ?? r;
            var srcRow = src.Slice(sr * fromCols, fromCols);
            var dstRow = dst.Slice(r * toCols, toCols);
            if (cols is null) srcRow.CopyTo(dstRow);
            else for (int c = 0; c < cols.Length; c++) dstRow[c] = srcRow[cols[c]];
        }
    }

    /// <summary>bias += Σ_j mean_j·W[:, j] over the removed j, read from the original outgoing linear.</summary>
    private static void CompensateBias(Linear original, Linear pruned, int[] removed, float[] means)
    {
        if (pruned.Bias is null) return;
        var w = original.Weight.Span;
        int width = original.Weight.Shape[1];
        var bias = pruned.Bias.Span;
        for (int d = 0; d < bias.Length; d++)
        {
            double add = 0;
            foreach (int j in removed) add += (double)means[j] * w[d * width + j];
            bias[d] += (float)add;
        }
    }
}
