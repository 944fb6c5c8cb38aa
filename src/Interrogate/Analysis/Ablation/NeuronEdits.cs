using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Analysis.Ablation;

/// <summary>
/// Hook edits that overwrite chosen neurons of a [B, T, width] activation. Every edit returns a
/// modified copy (the model's own tensor is left alone), so the same scope can also cache it.
/// </summary>
public static class NeuronEdits
{
    /// <summary>Sets each listed neuron to a constant (zero- or mean-ablation) at every position of every row.</summary>
    /// <param name="scope">The scope to add the edits to.</param>
    /// <param name="neurons">Neurons to overwrite; several hooks are allowed.</param>
    /// <param name="value">The constant for each neuron (0 for zero-ablation, its mean for mean-ablation).</param>
    public static HookScope SetConstant(HookScope scope, IEnumerable<UnitRef> neurons, Func<UnitRef, float> value)
    {
        foreach (var group in neurons.GroupBy(n => n.Hook))
        {
            var indices = group.Select(n => n.Index).ToArray();
            var values = group.Select(value).ToArray();
            scope.Edit(group.Key, a => Overwrite(a, indices, (_, j) => values[j]));
        }
        return scope;
    }

    /// <summary>Copies each listed neuron from a donor activation of the same shape (resample-ablation, patching).</summary>
    /// <param name="scope">The scope to add the edits to.</param>
    /// <param name="neurons">Neurons to overwrite.</param>
    /// <param name="donors">Per hook, a donor activation [B, T, width] shaped like the edited one.</param>
    public static HookScope CopyFrom(HookScope scope, IEnumerable<UnitRef> neurons, IReadOnlyDictionary<string, Tensor> donors)
    {
        foreach (var group in neurons.GroupBy(n => n.Hook))
        {
            var indices = group.Select(n => n.Index).ToArray();
            var donor = donors[group.Key].ContiguousData().Span.ToArray();   // [B, T, width]
            int width = donors[group.Key].Shape[^1];
            scope.Edit(group.Key, a =>
            {
                if (a.Size != donor.Length) throw new ArgumentException($"donor for {group.Key} holds {donor.Length} values, the activation {a.Describe()}");
                return Overwrite(a, indices, (row, j) => donor[row * width + indices[j]]);
            });
        }
        return scope;
    }

    /// <summary>A copy of <paramref name="activation"/> [..., width] with column indices[j] of row r set to value(r, j).</summary>
    public static Tensor Overwrite(Tensor activation, int[] indices, Func<int, int, float> value)
    {
        var copy = activation.Clone();
        int width = copy.Shape[^1];
        foreach (var n in indices)
            if ((uint)n >= (uint)width) throw new InputException($"neuron {n} is out of range: the hook point has {width} neurons (0..{width - 1})");
        var data = copy.Span;
        int rows = data.Length / width;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < indices.Length; j++) data[r * width + indices[j]] = value(r, j);
        return copy;
    }
}
