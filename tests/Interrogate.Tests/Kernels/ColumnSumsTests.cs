using Interrogate.Kernels;

namespace Interrogate.Tests.Kernels;

public class ColumnSumsTests
{
    [Theory]
    [InlineData(1, 3)]
    [InlineData(700, 128)]
    [InlineData(4097, 9)]
    public void AddTo_ManyBlocks_MatchesDoubleSumsAndIsIdenticalAcrossThreadCounts(int rows, int cols)
    {
        var rng = new Random(rows + cols);
        var x = Enumerable.Range(0, 5 + rows * cols).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] Run(int threads)
        {
            int saved = Parallelism.Threads;
            Parallelism.Threads = threads;
            try
            {
                var dst = Enumerable.Repeat(1f, cols).ToArray();
                ColumnSums.AddTo(x, 5, rows, cols, dst);
                return dst;
            }
            finally { Parallelism.Threads = saved; }
        }
        var one = Run(1);
        Assert.Equal(one, Run(2));
        for (int j = 0; j < cols; j++)
        {
            double expected = 1;
            for (int r = 0; r < rows; r++) expected += x[5 + r * cols + j];
            Assert.Equal(expected, one[j], 1e-3);
        }
    }
}
