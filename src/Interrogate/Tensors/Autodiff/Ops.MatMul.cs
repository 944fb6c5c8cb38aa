using System.Numerics.Tensors;
using Interrogate.Kernels;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// Matrix products, all through Gemm. A matrix operand is described by (storage, offset, leading
// dimension, stored-transposed, batch stride), so a transposed or batch-strided view is passed
// to Gemm as-is (flipping its trans flag) instead of being copied.
public static partial class Ops
{
    /// <summary>
    /// Matrix product op(a)·op(b), op = transpose of the last two axes when asked.
    /// a: [m, k] (or [k, m] transposed), b: [k, n] (or [n, k]); either may carry leading batch axes
    /// [.., m, k]: then both carry the same ones, or one is 2D and is shared by every batch.
    /// Result: [.., m, n].
    /// </summary>
    public static Tensor MatMul(this Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        if (a.Rank < 2 || b.Rank < 2)
            throw new ArgumentException($"MatMul needs matrices; got {a.Describe()} and {b.Describe()}");
        // [.., m, k]·[k, n] is one big [M, k]·[k, n] product: flatten rather than loop over batches.
        if (a.Rank > 2 && b.Rank == 2 && !transposeA)
        {
            var lead = a.Shape[..^1];
            var flat = a.Reshape(-1, a.Shape[^1]).MatMul(b, false, transposeB);
            return flat.Reshape([.. lead, flat.Shape[1]]);
        }
        return MatMulCore(a, b, transposeA, transposeB);
    }

    /// <summary>
    /// Fully connected layer x·Wᵀ + b (PyTorch's layout). x: [.., in]; weight: [out, in];
    /// bias: [out] or null. Result: [.., out].
    /// </summary>
    public static Tensor Linear(this Tensor x, Tensor weight, Tensor? bias = null)
    {
        int inF = x.Shape[^1], outF = weight.Shape[0];
        if (weight.Rank != 2 || weight.Shape[1] != inF)
            throw new ArgumentException($"Linear: weight {weight.Describe()} does not match input {x.Describe()}; expected [out, {inF}]");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != outF))
            throw new ArgumentException($"Linear: bias {bias.Describe()} does not match weight {weight.Describe()}; expected [{outF}]");
        var xc = x.ContiguousData();
        int rows = x.Size / Math.Max(inF, 1);
        var xm = new Mat(xc.Storage, xc.Offset, inF, false, 0);
        // Every element is written by the product below, unless there is nothing to sum over.
        var y = inF == 0 ? Tensor.Zeros([.. x.Shape[..^1], outF]) : Tensor.Uninitialized([.. x.Shape[..^1], outF]);
        LinearValues(xc, rows, weight, bias, y);
        if (GradientTape.ShouldRecord([x, weight, bias ?? x]))
            GradientTape.Record(y, g =>
            {
                var gm = new Mat(g.Storage, g.Offset, outF, false, 0);
                float beta;
                if (x.RequiresGrad)   // dx[rows, in] (+)= g[rows, out]·W[out, in]
                    Product(false, gm, false, MatrixOf(weight, out _), rows, inF, outF, GradMat(x, inF, out beta), 1, beta);
                if (weight.RequiresGrad)   // dW[out, in] (+)= gᵀ[out, rows]·x[rows, in]
                    Product(true, gm, false, xm, outF, inF, rows, GradMat(weight, inF, out beta), 1, beta);
                if (bias is not null && bias.RequiresGrad)
                {
                    var gb = bias.GradForWrite(out beta).Span;
                    if (beta == 0f) gb.Clear();
                    ColumnSums.AddTo(g.Storage, g.Offset, rows, outF, gb);
                }
            });
        return y;
    }

    /// <summary>
    /// x·Wᵀ (+ b) written into <paramref name="y"/>, not recorded on the tape: for inference paths
    /// that bring their own (pooled) output. x: [.., in]; weight: [out, in]; bias: [out] or null;
    /// y: contiguous, offset 0, [.., out] with x's leading axes.
    /// </summary>
    internal static void LinearInto(Tensor x, Tensor weight, Tensor? bias, Tensor y)
    {
        int inF = x.Shape[^1], outF = weight.Shape[0], rows = x.Size / Math.Max(inF, 1);
        if (weight.Rank != 2 || weight.Shape[1] != inF || y.Offset != 0 || !y.IsContiguous || y.Size != rows * outF)
            throw new ArgumentException($"LinearInto: x {x.Describe()}, weight {weight.Describe()} and y {y.Describe()} do not fit");
        if (inF == 0) y.Span.Clear();
        LinearValues(x.ContiguousData(), rows, weight, bias, y);
    }

    // y[rows, out] = xc[rows, in]·Wᵀ, then + b row by row: the forward arithmetic of Linear.
    private static void LinearValues(Tensor xc, int rows, Tensor weight, Tensor? bias, Tensor y)
    {
        int inF = weight.Shape[1], outF = weight.Shape[0];
        var xm = new Mat(xc.Storage, xc.Offset, inF, false, 0);
        var ym = new Mat(y.Storage, 0, outF, false, 0);
        // A weight kept in its file's bfloat16/float16 is read in place; only a backward pass that needs W converts it.
        if (weight.Half is { } half) Gemm.MultiplyHalfTransposed(rows, 1f, xc.Storage.AsSpan(xc.Offset), inF, half, 0f, y.Storage, outF);
        // Inside a PrepackedWeights scope (its owner's promise that weights do not change) W is packed once, not per call.
        else if (PrepackedWeights.Current?.For(weight, rows) is { } packed) Gemm.MultiplyPrepacked(packed, rows, xc.Storage.AsSpan(xc.Offset), inF, y.Storage, outF);
        else Product(false, xm, true, MatrixOf(weight, out _), rows, outF, inF, ym, 1, 0f);
        if (bias is null) return;
        var bc = bias.ContiguousData();
        int perBlock = ColumnSums.RowsPerBlock(outF);
        Parallelism.For((rows + perBlock - 1) / perBlock, blk =>
        {
            var bs = bc.Span;
            for (int r = blk * perBlock; r < Math.Min(rows, (blk + 1) * perBlock); r++)
            {
                var row = y.Storage.AsSpan(r * outF, outF);
                TensorPrimitives.Add(row, bs, row);
            }
        });
    }

    private static Tensor MatMulCore(Tensor a, Tensor b, bool tA, bool tB)
    {
        int[] batchShape = a.Rank > 2 ? a.Shape[..^2] : b.Shape[..^2];
        if (a.Rank > 2 && b.Rank > 2 && !Tensors.Shape.Equal(a.Shape[..^2], b.Shape[..^2]))
            throw new ArgumentException($"MatMul batch axes differ: {a.Describe()} and {b.Describe()}");
        int batch = Tensors.Shape.Size(batchShape);
        int m = tA ? a.Shape[^1] : a.Shape[^2], k = tA ? a.Shape[^2] : a.Shape[^1];
        int kb = tB ? b.Shape[^1] : b.Shape[^2], n = tB ? b.Shape[^2] : b.Shape[^1];
        if (k != kb)
            throw new ArgumentException($"MatMul inner sizes differ: {a.Describe()}{(tA ? "ᵀ" : "")} · {b.Describe()}{(tB ? "ᵀ" : "")}");
        var am = MatrixOf(a, out _);
        var bm = MatrixOf(b, out _);
        var y = Tensor.Uninitialized([.. batchShape, m, n]);
        var ym = new Mat(y.Storage, 0, n, false, m * n);
        Product(tA, am, tB, bm, m, n, k, ym, batch, 0f);
        if (GradientTape.ShouldRecord(a, b))
            GradientTape.Record(y, g =>
            {
                var gm = new Mat(g.Storage, g.Offset, n, false, m * n);
                // With X = op(A), Y = op(B): dX = dC·Yᵀ, dY = Xᵀ·dC, and dA = dX or dXᵀ.
                if (a.RequiresGrad)
                {
                    var ga = GradMat(a, a.Shape[^1], out float beta);
                    if (!tA) Product(false, gm, !tB, bm, m, k, n, ga, batch, beta);
                    else Product(tB, bm, true, gm, k, m, n, ga, batch, beta);
                }
                if (b.RequiresGrad)
                {
                    var gb = GradMat(b, b.Shape[^1], out float beta);
                    if (!tB) Product(!tA, am, false, gm, k, n, m, gb, batch, beta);
                    else Product(true, gm, tA, am, n, k, m, gb, batch, beta);
                }
            });
        return y;
    }

    /// <summary>A logical matrix [rows, cols] (per batch): element (i, j) is Data[Offset + i·Ld + j], or Data[Offset + j·Ld + i] when Transposed.</summary>
    private readonly record struct Mat(float[] Data, int Offset, int Ld, bool Transposed, int BatchStride);

    /// <summary>
    /// Describes the last two axes of t for Gemm without copying when its layout allows it
    /// (row-major or column-major matrices, batch axes at one uniform stride); otherwise copies.
    /// <paramref name="used"/> is the tensor whose storage the description points into.
    /// </summary>
    private static Mat MatrixOf(Tensor t, out Tensor used)
    {
        int r = t.Rank, rows = t.Shape[^2], cols = t.Shape[^1];
        int batchStride = t.Rank > 2 ? UniformBatchStride(t) : 0;
        if (batchStride >= 0 && rows > 1 && cols > 1)
        {
            int s0 = t.Strides[r - 2], s1 = t.Strides[r - 1];
            used = t;
            if (s1 == 1 && s0 >= cols) return new Mat(t.Storage, t.Offset, s0, false, batchStride);
            if (s0 == 1 && s1 >= rows) return new Mat(t.Storage, t.Offset, s1, true, batchStride);
        }
        used = t.ContiguousData();
        return new Mat(used.Storage, used.Offset, cols, false, t.Rank > 2 ? rows * cols : 0);
    }

    /// <summary>The single stride that steps over every batch (all leading axes merged), or −1 when there is none.</summary>
    private static int UniformBatchStride(Tensor t)
    {
        int stride = -1, span = 1;
        for (int i = t.Rank - 3; i >= 0; i--)
        {
            if (t.Shape[i] == 1) continue;
            if (stride < 0) stride = t.Strides[i];
            else if (t.Strides[i] != stride * span) return -1;
            span *= t.Shape[i];
        }
        return stride < 0 ? 0 : stride;
    }

    /// <summary>
    /// x's gradient as a row-major matrix (batch stride 0 when x is a 2D operand shared across
    /// batches), and the beta to write it with: 0 when it is new (every element gets written), else 1.
    /// </summary>
    private static Mat GradMat(Tensor x, int cols, out float beta)
    {
        var gx = x.GradForWrite(out beta);
        return new Mat(gx.Storage, gx.Offset, cols, false, x.Rank > 2 ? x.Shape[^2] * cols : 0);
    }

    /// <summary>c = opX(x)·opY(y) + beta·c for each batch, with opX/opY the logical transposes wanted.</summary>
    private static void Product(bool opX, Mat x, bool opY, Mat y, int m, int n, int k, Mat c, int batch, float beta)
    {
        if (m == 0 || n == 0) return;
        if (batch == 0)
        {
            // No products to sum into a shared output: beta = 0 still owes it zeros.
            if (beta == 0f && c.BatchStride == 0)
                for (int i = 0; i < m; i++) c.Data.AsSpan(c.Offset + i * c.Ld, n).Clear();
            return;
        }
        bool tx = opX ^ x.Transposed, ty = opY ^ y.Transposed;
        if (batch == 1 || c.BatchStride != 0)
        {
            Gemm.MultiplyBatched(tx, ty, m, n, k, 1f, x.Data.AsSpan(x.Offset), x.Ld, x.BatchStride,
                y.Data.AsSpan(y.Offset), y.Ld, y.BatchStride, beta, c.Data.AsSpan(c.Offset), c.Ld, c.BatchStride, batch);
            return;
        }
        // A shared 2D output (the gradient of a shared operand): accumulate batch after batch,
        // never concurrently.
        for (int i = 0; i < batch; i++)
            Gemm.Multiply(tx, ty, m, n, k, 1f, x.Data.AsSpan(x.Offset + i * x.BatchStride), x.Ld,
                y.Data.AsSpan(y.Offset + i * y.BatchStride), y.Ld, i == 0 ? beta : 1f, c.Data.AsSpan(c.Offset), c.Ld);
    }
}
