using System.Numerics.Tensors;

namespace Interrogate.Kernels;

/// <summary>
/// Kernels for a batch of sparse rows in compressed-row form (CSR): row i owns entries
/// [rowStart[i], rowStart[i + 1]) of <c>index</c> (a column of a dense [m, width] matrix W, one row
/// per column) and of the per-entry coefficients. These are a sparse dictionary's decoder and the
/// backward passes that touch only the k active latents of each row, B·k·width work instead of the
/// dense B·m·width. Row-parallel kernels split rows across <see cref="Parallelism.Threads"/>; the
/// scatter splits W's rows, so no two threads write the same memory.
/// </summary>
public static class SparseRows
{
    /// <summary>y[i, :] = bias + Σ_e coef[e] · W[index[e], :] over row i's entries.</summary>
    /// <param name="rowStart">[rows + 1] offsets into index/coef.</param>
    /// <param name="index">[nnz] rows of W.</param>
    /// <param name="coef">[nnz] coefficients.</param>
    /// <param name="w">[m, width] row-major.</param>
    /// <param name="bias">[width], or empty for none.</param>
    /// <param name="y">[rows, width] overwritten.</param>
    /// <param name="width">Columns of W, x and y.</param>
    public static void Decode(int[] rowStart, int[] index, float[] coef, float[] w, int width, float[] bias, float[] y)
    {
        int rows = rowStart.Length - 1;
        Parallelism.For(Blocks(rows), block =>
        {
            var (from, to) = Range(rows, block);
            for (int i = from; i < to; i++)
            {
                var yi = y.AsSpan(i * width, width);
                if (bias.Length == width) bias.CopyTo(yi); else yi.Clear();
                for (int e = rowStart[i]; e < rowStart[i + 1]; e++)
                    TensorPrimitives.MultiplyAdd(w.AsSpan(index[e] * width, width), coef[e], yi, yi);
            }
        });
    }

    /// <summary>dots[e] = W[index[e], :] · x[i, :] for every entry e of row i.</summary>
    /// <param name="x">[rows, width] row-major.</param>
    /// <param name="dots">[nnz] overwritten.</param>
    /// <param name="rowStart">[rows + 1] offsets into the entries.</param>
    /// <param name="index">[nnz] column (W row) of each entry.</param>
    /// <param name="w">[m, width] row-major.</param>
    /// <param name="width">Columns of W, x and y.</param>
    public static void GatherDots(int[] rowStart, int[] index, float[] w, int width, float[] x, float[] dots)
    {
        int rows = rowStart.Length - 1;
        Parallelism.For(Blocks(rows), block =>
        {
            var (from, to) = Range(rows, block);
            for (int i = from; i < to; i++)
            {
                var xi = x.AsSpan(i * width, width);
                for (int e = rowStart[i]; e < rowStart[i + 1]; e++)
                    dots[e] = TensorPrimitives.Dot(w.AsSpan(index[e] * width, width), xi);
            }
        });
    }

    /// <summary>
    /// Counting sort of the entries by column: column j owns order[colStart[j] .. colStart[j + 1]),
    /// entry ids in ascending order, and rowOf[e] is entry e's row.
    /// </summary>
    /// <param name="columns">m, the number of columns.</param>
    /// <param name="colStart">[m + 1] overwritten.</param>
    /// <param name="order">[nnz] overwritten.</param>
    /// <param name="rowOf">[nnz] overwritten.</param>
    /// <param name="rowStart">[rows + 1] offsets into the entries.</param>
    /// <param name="index">[nnz] column (W row) of each entry.</param>
    public static void ByColumn(int[] rowStart, int[] index, int columns, int[] colStart, int[] order, int[] rowOf)
    {
        int rows = rowStart.Length - 1, nnz = rowStart[rows];
        Array.Clear(colStart, 0, columns + 1);
        for (int e = 0; e < nnz; e++) colStart[index[e] + 1]++;
        for (int j = 0; j < columns; j++) colStart[j + 1] += colStart[j];
        var next = System.Buffers.ArrayPool<int>.Shared.Rent(columns);
        try
        {
            Array.Copy(colStart, next, columns);
            for (int i = 0; i < rows; i++)
                for (int e = rowStart[i]; e < rowStart[i + 1]; e++)
                {
                    rowOf[e] = i;
                    order[next[index[e]]++] = e;
                }
        }
        finally { System.Buffers.ArrayPool<int>.Shared.Return(next); }
    }

    /// <summary>
    /// g[j, :] += Σ coef[e] · x[rowOf[e], :] over column j's entries (see <see cref="ByColumn"/>): the
    /// weight gradient of a sparse product. Threads own contiguous column ranges of about equal entry counts.
    /// </summary>
    /// <param name="x">[rows, width] row-major.</param>
    /// <param name="g">[m, width] accumulated into.</param>
    /// <param name="finish">Optional, called once per touched column after its sum (e.g. to project it), on the owning thread.</param>
    /// <param name="colStart">[m + 1] from ByColumn.</param>
    /// <param name="order">[nnz] from ByColumn.</param>
    /// <param name="rowOf">[nnz] from ByColumn.</param>
    /// <param name="coef">[nnz] per-entry coefficients.</param>
    /// <param name="width">Columns of W, x and y.</param>
    public static void ScatterByColumn(int[] colStart, int[] order, int[] rowOf, float[] coef, float[] x, int width, float[] g,
        Action<int>? finish = null)
    {
        int columns = colStart.Length - 1;
        int parts = Math.Max(1, Math.Min(Parallelism.Threads * 4, columns));
        long nnz = colStart[columns];
        Parallelism.For(parts, part =>
        {
            int from = ColumnAt(colStart, nnz * part / parts), to = part == parts - 1 ? columns : ColumnAt(colStart, nnz * (part + 1) / parts);
            for (int j = from; j < to; j++)
            {
                if (colStart[j] == colStart[j + 1]) continue;
                var gj = g.AsSpan(j * width, width);
                for (int t = colStart[j]; t < colStart[j + 1]; t++)
                {
                    int e = order[t];
                    if (coef[e] != 0f) TensorPrimitives.MultiplyAdd(x.AsSpan(rowOf[e] * width, width), coef[e], gj, gj);
                }
                finish?.Invoke(j);
            }
        });
    }

    // The first column whose entries start at or after position p (columns are cut at entry boundaries).
    private static int ColumnAt(int[] colStart, long p)
    {
        int lo = 0, hi = colStart.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (colStart[mid] < p) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static int Blocks(int rows) => Math.Max(1, Math.Min(rows, Parallelism.Threads * 4));

    private static (int From, int To) Range(int rows, int block)
    {
        int blocks = Blocks(rows);
        return ((int)((long)rows * block / blocks), (int)((long)rows * (block + 1) / blocks));
    }
}
