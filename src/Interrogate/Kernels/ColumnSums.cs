using System.Numerics.Tensors;

namespace Interrogate.Kernels;

/// <summary>
/// Sums over the rows of a row-major [rows, cols] matrix (a bias gradient) in parallel, in fixed
/// blocks of rows whose partial sums are added in block order, so the result has the same bits at
/// any thread count.
/// </summary>
public static class ColumnSums
{
    /// <summary>
    /// Rows per block of about 64K elements: the one block size of every fixed row-block loop (Ops'
    /// row kernels, bias and LayerNorm gradients), so partial sums never depend on the thread count.
    /// </summary>
    public static int RowsPerBlock(int cols) => Math.Max(1, (1 << 16) / Math.Max(cols, 1));

    /// <summary>dst[j] += Σ_r x[offset + r·cols + j]. x: storage holding [rows, cols] from offset; dst: cols values.</summary>
    public static void AddTo(float[] x, int offset, int rows, int cols, Span<float> dst)
    {
        if (rows <= 0 || cols <= 0) return;
        int perBlock = RowsPerBlock(cols), blocks = (rows + perBlock - 1) / perBlock;
        if (blocks == 1)
        {
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(dst, x.AsSpan(offset + r * cols, cols), dst);
            return;
        }
        var partial = new float[blocks * cols];
        Parallelism.For(blocks, b =>
        {
            var part = partial.AsSpan(b * cols, cols);
            for (int r = b * perBlock; r < Math.Min(rows, (b + 1) * perBlock); r++)
                TensorPrimitives.Add(part, x.AsSpan(offset + r * cols, cols), part);
        });
        for (int b = 0; b < blocks; b++) TensorPrimitives.Add(dst, partial.AsSpan(b * cols, cols), dst);
    }
}
