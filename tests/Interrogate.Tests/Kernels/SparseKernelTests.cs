using Interrogate.Kernels;
using Interrogate.Tensors;

namespace Interrogate.Tests.Kernels;

public class SparseKernelTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(64, 32)]
    [InlineData(4099, 32)]
    public void RowTopK_RandomRowsWithBias_MatchesSortedSelection(int n, int k)
    {
        var rng = new TensorRandom(3);
        var row = rng.Normal([n]).ToArray();
        var bias = rng.Normal([n], 0f, 0.1f).ToArray();
        var idx = new int[k];
        var val = new float[k];
        RowTopK.Select(row, bias, k, idx, val);
        var expected = Enumerable.Range(0, n).OrderByDescending(j => row[j] + bias[j]).Take(k).Order().ToArray();
        Assert.Equal(expected, idx.Order().ToArray());
        for (int t = 0; t < k; t++) Assert.Equal(row[idx[t]] + bias[idx[t]], val[t]);
    }

    [Fact]
    public void RowTopK_SelectAmongCandidates_KeepsOnlyCandidates()
    {
        float[] row = [5, 4, 3, 2, 1, 0];
        var idx = new int[3];
        var val = new float[3];
        int kept = RowTopK.SelectAmong(row, new float[6], [1, 3, 5], 3, idx, val);
        Assert.Equal(3, kept);
        Assert.Equal([1, 3, 5], idx.Order().ToArray());
        Assert.Equal(1, RowTopK.SelectAmong(row, new float[6], [4], 3, idx, val));
        Assert.Equal(4, idx[0]);
    }

    private static void Close(double expected, float actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-5 * (1 + Math.Abs(expected)), $"expected {expected}, got {actual}");

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SparseRows_DecodeAndScatter_MatchReference(int threads)
    {
        int saved = Parallelism.Threads;
        Parallelism.Threads = threads;
        try
        {
            var rng = new TensorRandom(5);
            int rows = 37, width = 19, m = 53;
            var rowStart = new int[rows + 1];
            var index = new List<int>();
            for (int i = 0; i < rows; i++)
            {
                foreach (int j in Enumerable.Range(0, m).Where(_ => rng.NextDouble() < 0.1)) index.Add(j);
                rowStart[i + 1] = index.Count;
            }
            var coef = rng.Normal([index.Count]).ToArray();
            var w = rng.Normal([m, width]).ToArray();
            var bias = rng.Normal([width]).ToArray();
            var x = rng.Normal([rows, width]).ToArray();

            var y = new float[rows * width];
            SparseRows.Decode(rowStart, [.. index], coef, w, width, bias, y);
            var yRef = SparseRowsReference.Decode(rowStart, [.. index], coef, w, width, bias);
            for (int i = 0; i < y.Length; i++) Close(yRef[i], y[i]);

            var (colStart, order, rowOf) = (new int[m + 1], new int[index.Count], new int[index.Count]);
            SparseRows.ByColumn(rowStart, [.. index], m, colStart, order, rowOf);
            var g = new float[m * width];
            SparseRows.ScatterByColumn(colStart, order, rowOf, coef, x, width, g);
            var gRef = SparseRowsReference.Scatter(rowStart, [.. index], coef, x, width, m);
            for (int i = 0; i < g.Length; i++) Close(gRef[i], g[i]);

            var dots = new float[index.Count];
            SparseRows.GatherDots(rowStart, [.. index], w, width, x, dots);
            for (int i = 0; i < rows; i++)
                for (int e = rowStart[i]; e < rowStart[i + 1]; e++)
                {
                    double s = 0;
                    for (int c = 0; c < width; c++) s += (double)w[index[e] * width + c] * x[i * width + c];
                    Close(s, dots[e]);
                }
        }
        finally { Parallelism.Threads = saved; }
    }
}
