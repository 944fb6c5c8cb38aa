using System.Numerics.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// Reductions view the input as [outer, n, inner] around the reduced axis, so one loop serves
// every axis: inner == 1 reduces contiguous rows, otherwise whole inner blocks are added.
public static partial class Ops
{
    /// <summary>Sum of all elements. x: any shape; result: shape [] (a scalar).</summary>
    public static Tensor Sum(this Tensor x) => SumAll(x, 1f);

    /// <summary>Mean of all elements. x: any shape; result: shape [] (a scalar).</summary>
    public static Tensor Mean(this Tensor x) => SumAll(x, x.Size == 0 ? float.NaN : 1f / x.Size);

    /// <summary>Sum along an axis. x: [.., n, ..]; result: x's shape without that axis, or with it as 1 when <paramref name="keepDim"/>.</summary>
    public static Tensor Sum(this Tensor x, int axis, bool keepDim = false) => SumAxis(x, axis, keepDim, mean: false);

    /// <summary>Mean along an axis. x: [.., n, ..]; result: x's shape without that axis, or with it as 1 when <paramref name="keepDim"/>.</summary>
    public static Tensor Mean(this Tensor x, int axis, bool keepDim = false) => SumAxis(x, axis, keepDim, mean: true);

    /// <summary>
    /// Maximum along an axis (values only); the gradient flows to the first arg-max of each slice.
    /// x: [.., n, ..] with n ≥ 1; result: x's shape without that axis, or with it as 1 when <paramref name="keepDim"/>.
    /// </summary>
    public static Tensor Max(this Tensor x, int axis, bool keepDim = false)
    {
        int ax = Tensors.Shape.Axis(axis, x.Rank);
        var (outer, n, inner) = SplitAround(x.Shape, ax);
        if (n == 0) throw new ArgumentException($"Max over empty axis {axis} of {x.Describe()}");
        var xs = x.ContiguousData().Span;
        var y = Tensor.Zeros(ReducedShape(x.Shape, ax, keepDim));
        var ys = y.Span;
        var argMax = new int[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int best = 0, baseIndex = o * n * inner + i;
                float value = xs[baseIndex];
                for (int j = 1; j < n; j++)
                {
                    float v = xs[baseIndex + j * inner];
                    if (v > value || float.IsNaN(v)) { value = v; best = j; if (float.IsNaN(v)) break; }
                }
                ys[o * inner + i] = value;
                argMax[o * inner + i] = baseIndex + best * inner;
            }
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, g =>
            {
                var gx = x.GradSpan();
                var gs = g.Span;
                for (int r = 0; r < argMax.Length; r++) gx[argMax[r]] += gs[r];
            });
        return y;
    }

    private static Tensor SumAll(Tensor x, float scale)
    {
        var y = Tensor.Scalar(TensorPrimitives.Sum(x.ContiguousData().Span) * scale);
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, g =>
            {
                var gx = x.GradSpan();
                TensorPrimitives.Add(gx, g.Item() * scale, gx);
            });
        return y;
    }

    private static Tensor SumAxis(Tensor x, int axis, bool keepDim, bool mean)
    {
        int ax = Tensors.Shape.Axis(axis, x.Rank);
        var (outer, n, inner) = SplitAround(x.Shape, ax);
        float scale = mean ? 1f / n : 1f;
        var xs = x.ContiguousData().Span;
        var y = Tensor.Zeros(ReducedShape(x.Shape, ax, keepDim));
        var ys = y.Span;
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1) { ys[o] = TensorPrimitives.Sum(xs.Slice(o * n, n)) * scale; continue; }
            var row = ys.Slice(o * inner, inner);
            for (int j = 0; j < n; j++) TensorPrimitives.Add(row, xs.Slice((o * n + j) * inner, inner), row);
            if (mean) TensorPrimitives.Multiply(row, scale, row);
        }
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, g =>
            {
                var gx = x.GradSpan();
                var gs = g.Span;
                for (int o = 0; o < outer; o++)
                {
                    if (inner == 1) { var slice = gx.Slice(o * n, n); TensorPrimitives.Add(slice, gs[o] * scale, slice); continue; }
                    var grow = gs.Slice(o * inner, inner);
                    for (int j = 0; j < n; j++)
                    {
                        var dst = gx.Slice((o * n + j) * inner, inner);
                        TensorPrimitives.MultiplyAdd(grow, scale, dst, dst);
                    }
                }
            });
        return y;
    }

    /// <summary>Sizes before, along and after an axis: the [outer, n, inner] view of a contiguous tensor.</summary>
    private static (int Outer, int N, int Inner) SplitAround(int[] shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[axis], inner);
    }

    private static int[] ReducedShape(int[] shape, int axis, bool keepDim)
    {
        if (keepDim) { var kept = (int[])shape.Clone(); kept[axis] = 1; return kept; }
        return [.. shape[..axis], .. shape[(axis + 1)..]];
    }
}
