using Interrogate.Kernels;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// Softmax family. Rows along the last axis are the fast path; another axis is moved last by a
// transposed view and moved back, so one row kernel serves every axis.
public static partial class Ops
{
    /// <summary>Softmax along an axis (default last). x: any shape; result: same shape, slices summing to 1.</summary>
    public static Tensor Softmax(this Tensor x, int axis = -1) =>
        RowwiseSoftmax(x, axis, Kernels.Softmax.Forward, Kernels.Softmax.Backward);

    /// <summary>Log-softmax along an axis (default last), computed stably. x: any shape; result: same shape.</summary>
    public static Tensor LogSoftmax(this Tensor x, int axis = -1) =>
        RowwiseSoftmax(x, axis, Kernels.Softmax.LogForward, Kernels.Softmax.LogBackward);

    /// <summary>
    /// Mean cross-entropy of logits against class indices, fused with a stable log-softmax.
    /// logits: [N, C], or [.., C] with the leading axes flattened to N (e.g. [B, T, C]);
    /// targets: N class indices; targets equal to <paramref name="ignoreIndex"/> contribute neither
    /// loss nor gradient. Result: shape [] — the mean over the other targets (0 when all are ignored,
    /// where PyTorch would give NaN).
    /// </summary>
    public static Tensor CrossEntropy(this Tensor logits, int[] targets, int ignoreIndex = -100)
    {
        if (logits.Rank < 2) throw new ArgumentException($"CrossEntropy needs logits [N, C]; got {logits.Describe()}");
        int c = logits.Shape[^1], n = logits.Size / Math.Max(c, 1);
        if (targets.Length != n)
            throw new ArgumentException($"CrossEntropy: {targets.Length} targets for logits {logits.Describe()} ({n} rows)");
        int count = 0;
        foreach (int t in targets)
        {
            if (t == ignoreIndex) continue;
            if ((uint)t >= (uint)c)
                throw new ArgumentOutOfRangeException(nameof(targets), $"target class {t} is outside [0, {c}) for logits {logits.Describe()}");
            count++;
        }
        var xc = logits.ContiguousData();
        var lse = new float[n];
        var rowLoss = new double[n];
        ForRowBlocks(n, c, (r0, r1, scratch) =>
        {
            for (int r = r0; r < r1; r++)
            {
                if (targets[r] == ignoreIndex) continue;
                var row = xc.Storage.AsSpan(xc.Offset + r * c, c);
                lse[r] = Kernels.Softmax.LogSumExp(row);
                rowLoss[r] = lse[r] - row[targets[r]];
            }
        });
        var y = Tensor.Scalar(count == 0 ? 0f : (float)(rowLoss.Sum() / count));
        // Recorded even when every target is ignored, so Backward on such a batch works (zero gradient).
        if (GradientTape.ShouldRecord(logits))
            GradientTape.Record(y, g =>
            {
                if (count == 0) { logits.GradSpan(); return; }
                float scale = g.Item() / count;
                var gx = logits.GradForWrite(out float beta);
                ForRowBlocks(n, c, (r0, r1, _) =>
                {
                    for (int r = r0; r < r1; r++)
                    {
                        var gRow = gx.Storage.AsSpan(gx.Offset + r * c, c);
                        if (targets[r] != ignoreIndex)
                            Kernels.Softmax.CrossEntropyBackward(xc.Storage.AsSpan(xc.Offset + r * c, c), lse[r], targets[r], scale, gRow, accumulate: beta != 0f);
                        else if (beta == 0f) gRow.Clear();
                    }
                });
            });
        return y;
    }

    private delegate void RowForward(ReadOnlySpan<float> x, Span<float> y);
    private delegate void RowBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> gx);

    private static Tensor RowwiseSoftmax(Tensor x, int axis, RowForward forward, RowBackward backward)
    {
        int ax = Tensors.Shape.Axis(axis, x.Rank);
        if (ax != x.Rank - 1)
            return RowwiseSoftmax(x.Transpose(ax, -1), -1, forward, backward).Transpose(ax, -1);
        var xc = x.ContiguousData();
        int c = x.Rank == 0 ? 1 : x.Shape[^1], n = c == 0 ? 0 : x.Size / c;
        var y = Tensor.Uninitialized(x.Shape);
        ForRowBlocks(n, c, (r0, r1, _) =>
        {
            for (int r = r0; r < r1; r++)
                forward(xc.Storage.AsSpan(xc.Offset + r * c, c), y.Storage.AsSpan(r * c, c));
        });
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, g =>
            {
                x.GradSpan();
                var gx = x.Grad!;
                ForRowBlocks(n, c, (r0, r1, _) =>
                {
                    for (int r = r0; r < r1; r++)
                        backward(y.Storage.AsSpan(r * c, c), g.Storage.AsSpan(g.Offset + r * c, c), gx.Storage.AsSpan(gx.Offset + r * c, c));
                });
            });
        return y;
    }

    /// <summary>
    /// Splits rows [0, n) of width c into blocks of roughly 64K elements and runs body(first, end, scratch)
    /// on each, in parallel when there are several; scratch is a per-block buffer of c floats.
    /// </summary>
    private static void ForRowBlocks(int n, int c, Action<int, int, float[]> body)
    {
        int perBlock = ColumnSums.RowsPerBlock(c);
        int blocks = (n + perBlock - 1) / perBlock;
        Parallelism.For(blocks, b => body(b * perBlock, Math.Min(n, (b + 1) * perBlock), new float[c]));
    }
}
