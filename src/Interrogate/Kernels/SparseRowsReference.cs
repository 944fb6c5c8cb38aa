namespace Interrogate.Kernels;

/// <summary>The naive double-precision twins of <see cref="SparseRows"/>, for tests.</summary>
public static class SparseRowsReference
{
    /// <summary>y[i, :] = bias + Σ_e coef[e] · W[index[e], :] (see <see cref="SparseRows.Decode"/>).</summary>
    public static double[] Decode(int[] rowStart, int[] index, float[] coef, float[] w, int width, float[] bias)
    {
        int rows = rowStart.Length - 1;
        var y = new double[rows * width];
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < width; c++)
            {
                double s = bias.Length == width ? bias[c] : 0;
                for (int e = rowStart[i]; e < rowStart[i + 1]; e++) s += (double)coef[e] * w[index[e] * width + c];
                y[i * width + c] = s;
            }
        return y;
    }

    /// <summary>g[j, :] += Σ over entries e in column j of coef[e] · x[row(e), :] (see <see cref="SparseRows.ScatterByColumn"/>).</summary>
    public static double[] Scatter(int[] rowStart, int[] index, float[] coef, float[] x, int width, int columns)
    {
        var g = new double[columns * width];
        for (int i = 0; i < rowStart.Length - 1; i++)
            for (int e = rowStart[i]; e < rowStart[i + 1]; e++)
                for (int c = 0; c < width; c++) g[index[e] * width + c] += (double)coef[e] * x[i * width + c];
        return g;
    }
}
