using System.Numerics.Tensors;
using Interrogate.Kernels;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// Shape ops. Reshape (of contiguous data), Transpose, Permute and Slice are views sharing storage;
// their gradients are scattered back through the same strides into the input's gradient.
public static partial class Ops
{
    /// <summary>
    /// Same elements, new shape; one dimension may be −1 (inferred). A view when x is contiguous,
    /// else a copy. x: any shape; result: <paramref name="shape"/>.
    /// </summary>
    public static Tensor Reshape(this Tensor x, params int[] shape)
    {
        shape = ResolveShape(shape, x.Size, x);
        var xc = x.ContiguousData();
        var y = new Tensor(xc.Storage, xc.Offset, shape, Tensors.Shape.ContiguousStrides(shape));
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, g =>
            {
                if (GradientTape.TryPassGradient(g, x)) return;
                var gx = x.GradSpan();
                TensorPrimitives.Add(gx, g.Span, gx);
            });
        return y;
    }

    /// <summary>Swaps two axes (a strided view). x: [.., a, .., b, ..]; result: [.., b, .., a, ..].</summary>
    public static Tensor Transpose(this Tensor x, int axis0, int axis1)
    {
        var axes = Enumerable.Range(0, x.Rank).ToArray();
        int a0 = Tensors.Shape.Axis(axis0, x.Rank), a1 = Tensors.Shape.Axis(axis1, x.Rank);
        (axes[a0], axes[a1]) = (axes[a1], axes[a0]);
        return x.Permute(axes);
    }

    /// <summary>Reorders axes (a strided view): result axis i is x's axis axes[i]. x: any shape of rank axes.Length.</summary>
    public static Tensor Permute(this Tensor x, params int[] axes)
    {
        if (axes.Length != x.Rank || axes.Select(a => Tensors.Shape.Axis(a, x.Rank)).Distinct().Count() != x.Rank)
            throw new ArgumentException($"Permute: [{string.Join(", ", axes)}] is not a permutation of the axes of {x.Describe()}");
        axes = axes.Select(a => Tensors.Shape.Axis(a, x.Rank)).ToArray();
        var y = new Tensor(x.Storage, x.Offset, axes.Select(a => x.Shape[a]).ToArray(), axes.Select(a => x.Strides[a]).ToArray());
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, g =>
            {
                var gradStrides = Tensors.Shape.ContiguousStrides(x.Shape);
                AccumulateStrided(g, x, axes.Select(a => gradStrides[a]).ToArray(), 0);
            });
        return y;
    }

    /// <summary>
    /// A contiguous tensor with x's values: x itself when already contiguous, else a recorded copy.
    /// x: any shape; result: same shape.
    /// </summary>
    public static Tensor Contiguous(this Tensor x)
    {
        if (x.IsContiguous) return x;
        var y = x.Clone();
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, g =>
            {
                if (GradientTape.TryPassGradient(g, x)) return;
                var gx = x.GradSpan();
                TensorPrimitives.Add(gx, g.Span, gx);
            });
        return y;
    }

    /// <summary>
    /// Elements start .. start+length−1 along an axis (a view, like PyTorch's narrow).
    /// x: [.., n, ..]; result: [.., length, ..].
    /// </summary>
    public static Tensor Slice(this Tensor x, int axis, int start, int length)
    {
        int ax = Tensors.Shape.Axis(axis, x.Rank);
        if (start < 0 || length < 0 || start + length > x.Shape[ax])
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {start + length}) is outside axis {axis} of {x.Describe()}");
        var shape = (int[])x.Shape.Clone();
        shape[ax] = length;
        var y = new Tensor(x.Storage, x.Offset + start * x.Strides[ax], shape, x.Strides);
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, g =>
            {
                var gradStrides = Tensors.Shape.ContiguousStrides(x.Shape);
                AccumulateStrided(g, x, gradStrides, start * gradStrides[ax]);
            });
        return y;
    }

    /// <summary>
    /// Splits along an axis into consecutive views of the given sizes (which must add up to the axis length).
    /// x: [.., n, ..]; results: [.., sizes[i], ..].
    /// </summary>
    public static Tensor[] Split(this Tensor x, int[] sizes, int axis)
    {
        int ax = Tensors.Shape.Axis(axis, x.Rank);
        if (sizes.Sum() != x.Shape[ax])
            throw new ArgumentException($"Split sizes [{string.Join(", ", sizes)}] do not add up to axis {axis} of {x.Describe()}");
        var parts = new Tensor[sizes.Length];
        for (int i = 0, start = 0; i < sizes.Length; start += sizes[i], i++) parts[i] = x.Slice(ax, start, sizes[i]);
        return parts;
    }

    /// <summary>
    /// Joins tensors along an axis. parts: equal shapes except along that axis; result: that axis
    /// is the sum of theirs.
    /// </summary>
    public static Tensor Concat(IReadOnlyList<Tensor> parts, int axis)
    {
        if (parts.Count == 0) throw new ArgumentException("Concat of no tensors");
        var first = parts[0];
        int ax = Tensors.Shape.Axis(axis, first.Rank);
        var shape = (int[])first.Shape.Clone();
        shape[ax] = 0;
        foreach (var p in parts)
        {
            bool same = p.Rank == first.Rank && Enumerable.Range(0, p.Rank).All(i => i == ax || p.Shape[i] == first.Shape[i]);
            if (!same) throw new ArgumentException($"Concat along axis {axis}: {p.Describe()} does not match {first.Describe()}");
            shape[ax] += p.Shape[ax];
        }
        var y = Tensor.Zeros(shape);
        var starts = new int[parts.Count];
        for (int i = 0, start = 0; i < parts.Count; start += parts[i].Shape[ax], i++)
        {
            starts[i] = start;
            CopyStrided(parts[i], y.Storage, start * y.Strides[ax], y.Strides);
        }
        var inputs = parts.ToArray();
        if (GradientTape.ShouldRecord(inputs))
            GradientTape.Record(y, g =>
            {
                for (int i = 0; i < inputs.Length; i++)
                {
                    if (!inputs[i].RequiresGrad) continue;
                    var block = new Tensor(g.Storage, g.Offset + starts[i] * g.Strides[ax], inputs[i].Shape, g.Strides);
                    AccumulateStrided(block, inputs[i], Tensors.Shape.ContiguousStrides(inputs[i].Shape), 0);
                }
            });
        return y;
    }

    /// <summary>The same data, off the tape: no gradient flows through the result.</summary>
    public static Tensor Detach(this Tensor x) => new(x.Storage, x.Offset, x.Shape, x.Strides) { Name = x.Name };

    /// <summary>Writes x's elements to dst at the places dstStrides/dstOffset give (not recorded).</summary>
    private static void CopyStrided(Tensor x, float[] dst, int dstOffset, int[] dstStrides)
    {
        var rows = new StridedRows(x.Shape, [x.Strides, dstStrides], [x.Offset, dstOffset]);
        int n = rows.Length, sx = rows.InnerStride[0], sd = rows.InnerStride[1];
        while (rows.MoveNext())
        {
            int ox = rows.Offset[0], od = rows.Offset[1];
            if (sx == 1 && sd == 1) x.Storage.AsSpan(ox, n).CopyTo(dst.AsSpan(od, n));
            else for (int i = 0; i < n; i++) dst[od + i * sd] = x.Storage[ox + i * sx];
        }
    }

    private static int[] ResolveShape(int[] shape, int size, Tensor x)
    {
        int inferred = Array.IndexOf(shape, -1);
        if (inferred >= 0 && Array.LastIndexOf(shape, -1) != inferred)
            throw new ArgumentException($"Reshape {Tensors.Shape.Format(shape)}: only one dimension may be -1");
        var result = (int[])shape.Clone();
        if (inferred >= 0)
        {
            result[inferred] = 1;
            int known = Tensors.Shape.Size(result);
            if (known == 0 || size % known != 0)
                throw new ArgumentException($"cannot reshape {x.Describe()} to {Tensors.Shape.Format(shape)}");
            result[inferred] = size / known;
        }
        if (Tensors.Shape.Size(result) != size)
            throw new ArgumentException($"cannot reshape {x.Describe()} ({size} elements) to {Tensors.Shape.Format(shape)}");
        return result;
    }
}
