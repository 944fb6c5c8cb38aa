using Interrogate.Analysis.Importance;
using Interrogate.Tensors;
using Interrogate.Subjects;

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
    public static Subject Remove(Subject network, int[][] removed, IReadOnlyList<float[]>? means = null)
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
        // Compensated biases are computed at the original width, then gathered like any other tensor
        // (a reader's bias may itself lose rows when its own layer is pruned, as in the MLP classifier).
        var compensated = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        if (means is not null)
            for (int l = 0; l < layers.Count; l++)
                if (layers[l].Outgoing.Bias is { } bias)
                    compensated[bias] = Compensate(compensated.GetValueOrDefault(bias) ?? bias.Clone(), layers[l].Outgoing.Weight, removed[l], means[l]);
        var result = network.Resized([.. keep.Select(k => k.Length)]);
        foreach (var ((_, from), (_, to)) in network.Module.NamedParameters().Zip(result.Module.NamedParameters()))
            Gather(compensated.GetValueOrDefault(from) ?? from, to, rows.GetValueOrDefault(from), cols.GetValueOrDefault(from));
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

    /// <summary>bias += Σ_j mean_j·W[:, j] over the removed j. bias: [D] (modified and returned); weight: [D, W].</summary>
    private static Tensor Compensate(Tensor bias, Tensor weight, int[] removed, float[] means)
    {
        var w = weight.Span;
        int width = weight.Shape[1];
        var b = bias.Span;
        for (int d = 0; d < b.Length; d++)
        {
            double add = 0;
            foreach (int j in removed) add += (double)means[j] * w[d * width + j];
            b[d] += (float)add;
        }
        return bias;
    }
}
