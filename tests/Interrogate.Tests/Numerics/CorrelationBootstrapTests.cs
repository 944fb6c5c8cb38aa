using Interrogate.Analysis.Explanation;
using Interrogate.Numerics;

namespace Interrogate.Tests.Numerics;

public sealed class CorrelationBootstrapTests
{
    private static (double[] A, double[] B, double[] Y) Series(int n, double noiseA, double noiseB, int seed)
    {
        var random = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var y = Enumerable.Range(0, n).Select(_ => Gauss()).ToArray();
        return (y.Select(v => v + noiseA * Gauss()).ToArray(), y.Select(v => v + noiseB * Gauss()).ToArray(), y);
    }

    [Fact]
    public void Difference_SameDrawsAsNaiveResampling_MatchesToRounding()
    {
        var (a, b, y) = Series(1000, 0.5, 1.0, seed: 1);
        const int block = 37, resamples = 200, seed = 4;   // 28 blocks, the last one 1 token short
        var fast = CorrelationBootstrap.Difference(a, b, y, block, resamples, seed);

        // Naive twin: rebuild each resampled series token by token and call Pearson on it.
        int blocks = (y.Length + block - 1) / block;
        var random = new Random(seed);
        var replicates = new List<double>();
        for (int r = 0; r < resamples; r++)
        {
            var (ra, rb, ry) = (new List<double>(), new List<double>(), new List<double>());
            for (int k = 0; k < blocks; k++)
            {
                int start = random.Next(blocks) * block;
                for (int i = start; i < Math.Min(start + block, y.Length); i++) { ra.Add(a[i]); rb.Add(b[i]); ry.Add(y[i]); }
            }
            replicates.Add(ExplanationScorer.Pearson(ra, ry) - ExplanationScorer.Pearson(rb, ry));
        }
        replicates.Sort();
        double Quantile(double p) { double h = (resamples - 1) * p; int lo = (int)h; return replicates[lo] + (h - lo) * (replicates[lo + 1] - replicates[lo]); }

        double expected = ExplanationScorer.Pearson(a, y) - ExplanationScorer.Pearson(b, y);
        Assert.Equal(expected, fast.Estimate, 10);
        Assert.Equal(Quantile(0.025), fast.Low, 10);
        Assert.Equal(Quantile(0.975), fast.High, 10);
        Assert.Equal(blocks, fast.Blocks);
    }

    [Fact]
    public void Difference_BetterPrediction_IntervalAboveZero()
    {
        var (a, b, y) = Series(4000, 0.3, 1.0, seed: 2);
        var d = CorrelationBootstrap.Difference(a, b, y, blockLength: 50);
        Assert.True(d.Low > 0.1, $"[{d.Low}, {d.High}]");
        Assert.True(d.Low < d.Estimate && d.Estimate < d.High);
    }

    [Fact]
    public void Difference_EqualPredictions_IntervalIsExactlyZero()
    {
        var (a, _, y) = Series(500, 0.5, 0.5, seed: 3);
        var d = CorrelationBootstrap.Difference(a, a, y, blockLength: 25);
        Assert.Equal((0.0, 0.0, 0.0), (d.Estimate, d.Low, d.High));
    }

    [Fact]
    public void Difference_OneBlock_NoInterval()
    {
        var (a, b, y) = Series(40, 0.5, 1.0, seed: 5);
        var d = CorrelationBootstrap.Difference(a, b, y, blockLength: 64);
        Assert.Equal(1, d.Blocks);
        Assert.True(double.IsNaN(d.Low) && double.IsNaN(d.High));
    }
}
