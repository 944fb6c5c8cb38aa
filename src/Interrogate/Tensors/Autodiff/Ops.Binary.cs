using System.Numerics.Tensors;
using Interrogate.Kernels;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// Elementwise binary ops with NumPy broadcasting. Operands are read through their own strides
// (views need no copy); the backward of each operand sums the output gradient over the axes it
// was broadcast along.
public static partial class Ops
{
    private enum BinaryOp { Add, Sub, Mul, Div }

    /// <summary>a + b with broadcasting. a, b: shapes broadcastable to each other; result: the broadcast shape.</summary>
    public static Tensor Add(this Tensor a, Tensor b)
    {
        var y = Binary(a, b, BinaryOp.Add);
        if (GradientTape.ShouldRecord(a, b))
            GradientTape.Record(y, g =>
            {
                if (a.RequiresGrad && !GradientTape.TryPassGradient(g, a)) AccumulateReduced(g, a);
                if (b.RequiresGrad) AccumulateReduced(g, b);
            });
        return y;
    }

    /// <summary>a − b with broadcasting. a, b: shapes broadcastable to each other; result: the broadcast shape.</summary>
    public static Tensor Sub(this Tensor a, Tensor b)
    {
        var y = Binary(a, b, BinaryOp.Sub);
        if (GradientTape.ShouldRecord(a, b))
            GradientTape.Record(y, g =>
            {
                if (a.RequiresGrad) AccumulateReduced(g, a);
                if (b.RequiresGrad) AccumulateReduced(Binary(g, Tensor.Scalar(-1f), BinaryOp.Mul), b);
            });
        return y;
    }

    /// <summary>a · b elementwise with broadcasting. a, b: shapes broadcastable to each other; result: the broadcast shape.</summary>
    public static Tensor Mul(this Tensor a, Tensor b)
    {
        var y = Binary(a, b, BinaryOp.Mul);
        if (GradientTape.ShouldRecord(a, b))
            GradientTape.Record(y, g =>
            {
                if (a.RequiresGrad) AccumulateReduced(Binary(g, b, BinaryOp.Mul), a);
                if (b.RequiresGrad) AccumulateReduced(Binary(g, a, BinaryOp.Mul), b);
            });
        return y;
    }

    /// <summary>a / b elementwise with broadcasting. a, b: shapes broadcastable to each other; result: the broadcast shape.</summary>
    public static Tensor Div(this Tensor a, Tensor b)
    {
        var y = Binary(a, b, BinaryOp.Div);
        if (GradientTape.ShouldRecord(a, b))
            GradientTape.Record(y, g =>
            {
                var gOverB = Binary(g, b, BinaryOp.Div);
                if (a.RequiresGrad) AccumulateReduced(gOverB, a);
                // d(a/b)/db = −(a/b)/b, so the gradient is −g·y/b.
                if (b.RequiresGrad) AccumulateReduced(Binary(Binary(gOverB, y, BinaryOp.Mul), Tensor.Scalar(-1f), BinaryOp.Mul), b);
            });
        return y;
    }

    /// <summary>Computes op(a, b) into a new contiguous tensor of the broadcast shape; not recorded.</summary>
    private static Tensor Binary(Tensor a, Tensor b, BinaryOp op)
    {
        var shape = Tensors.Shape.Broadcast(a.Shape, b.Shape);
        var y = Tensor.Uninitialized(shape);
        var rows = new StridedRows(shape,
            [StridedRows.BroadcastStrides(a.Shape, a.Strides, shape), StridedRows.BroadcastStrides(b.Shape, b.Strides, shape), y.Strides],
            [a.Offset, b.Offset, 0]);
        int n = rows.Length, sa = rows.InnerStride[0], sb = rows.InnerStride[1];
        while (rows.MoveNext())
        {
            var dst = y.Storage.AsSpan(rows.Offset[2], n);
            int oa = rows.Offset[0], ob = rows.Offset[1];
            if (sa == 1 && sb == 1) RowVV(a.Storage.AsSpan(oa, n), b.Storage.AsSpan(ob, n), dst, op);
            else if (sa == 1 && sb == 0) RowVS(a.Storage.AsSpan(oa, n), b.Storage[ob], dst, op);
            else if (sa == 0 && sb == 1) RowSV(a.Storage[oa], b.Storage.AsSpan(ob, n), dst, op);
            else
                for (int i = 0; i < n; i++) dst[i] = Apply(a.Storage[oa + i * sa], b.Storage[ob + i * sb], op);
        }
        return y;
    }

    private static void RowVV(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, BinaryOp op)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            default: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    private static void RowVS(ReadOnlySpan<float> a, float b, Span<float> y, BinaryOp op)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            default: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    private static void RowSV(float a, ReadOnlySpan<float> b, Span<float> y, BinaryOp op)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(b, a, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(b, a, y); break;
            default: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    private static float Apply(float a, float b, BinaryOp op) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        _ => a / b,
    };

    /// <summary>
    /// Adds <paramref name="g"/> (contiguous, shape broadcast from <paramref name="x"/>'s) into x's
    /// gradient, summing over the axes x was broadcast along.
    /// </summary>
    private static void AccumulateReduced(Tensor g, Tensor x)
    {
        if (Tensors.Shape.Equal(g.Shape, x.Shape))
        {
            var grad = x.GradForWrite(out float beta);
            if (beta == 0f) g.Span.CopyTo(grad.Span);
            else TensorPrimitives.Add(grad.Span, g.Span, grad.Span);
            return;
        }
        var gx = x.GradSpan();
        var target = x.Grad!;
        var rows = new StridedRows(g.Shape,
            [g.Strides, StridedRows.BroadcastStrides(target.Shape, target.Strides, g.Shape)], [g.Offset, 0]);
        int n = rows.Length, sg = rows.InnerStride[0], st = rows.InnerStride[1];
        while (rows.MoveNext())
        {
            int og = rows.Offset[0], ot = rows.Offset[1];
            if (sg == 1 && st == 1) TensorPrimitives.Add(gx.Slice(ot, n), g.Storage.AsSpan(og, n), gx.Slice(ot, n));
            else if (sg == 1 && st == 0) gx[ot] += TensorPrimitives.Sum(g.Storage.AsSpan(og, n));
            else
                for (int i = 0; i < n; i++) gx[ot + i * st] += g.Storage[og + i * sg];
        }
    }

    /// <summary>
    /// Adds <paramref name="gc"/> (any strides) into the gradient of <paramref name="x"/>, element
    /// by element at the places <paramref name="viewStrides"/> and <paramref name="viewOffset"/>
    /// give inside x's contiguous gradient. The backward of view ops (permute, slice, concat).
    /// </summary>
    private static void AccumulateStrided(Tensor gc, Tensor x, int[] viewStrides, int viewOffset)
    {
        var gx = x.GradSpan();
        var rows = new StridedRows(gc.Shape, [gc.Strides, viewStrides], [gc.Offset, viewOffset]);
        int n = rows.Length, sg = rows.InnerStride[0], st = rows.InnerStride[1];
        while (rows.MoveNext())
        {
            int og = rows.Offset[0], ot = rows.Offset[1];
            if (sg == 1 && st == 1) TensorPrimitives.Add(gx.Slice(ot, n), gc.Storage.AsSpan(og, n), gx.Slice(ot, n));
            else
                for (int i = 0; i < n; i++) gx[ot + i * st] += gc.Storage[og + i * sg];
        }
    }
}
