using System.Numerics.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Looks up rows of an embedding table. weight: [V, D]; ids: token ids in [0, V), laid out as
    /// <paramref name="idsShape"/> (default [ids.Length]). Result: [..idsShape, D]. Backward adds each
    /// output row's gradient into its id's row (repeated ids accumulate).
    /// </summary>
    public static Tensor Embedding(this Tensor weight, int[] ids, params int[] idsShape)
    {
        if (weight.Rank != 2) throw new ArgumentException($"Embedding table {weight.Describe()} must be [V, D]");
        if (idsShape.Length == 0) idsShape = [ids.Length];
        if (Tensors.Shape.Size(idsShape) != ids.Length)
            throw new ArgumentException($"Embedding: {ids.Length} ids do not fill shape {Tensors.Shape.Format(idsShape)}");
        int v = weight.Shape[0], d = weight.Shape[1];
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)v)
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {ids[i]} at position {i} is outside the embedding table {weight.Describe()} (valid ids are 0..{v - 1})");
        var y = Tensor.Zeros([.. idsShape, d]);
        if (weight.Half is { } half)   // a table kept in its file's 16-bit encoding: convert only the rows looked up
            for (int i = 0; i < ids.Length; i++) half.RowToSingle(ids[i], 0, y.Storage.AsSpan(i * d, d));
        else
        {
            var wc = weight.ContiguousData();
            for (int i = 0; i < ids.Length; i++) wc.Storage.AsSpan(wc.Offset + ids[i] * d, d).CopyTo(y.Storage.AsSpan(i * d, d));
        }
        if (GradientTape.ShouldRecord(weight))
            GradientTape.Record(y, g =>
            {
                var gw = weight.GradSpan();
                var gs = g.Span;
                for (int i = 0; i < ids.Length; i++)
                {
                    var row = gw.Slice(ids[i] * d, d);
                    TensorPrimitives.Add(row, gs.Slice(i * d, d), row);
                }
            });
        return y;
    }
}
