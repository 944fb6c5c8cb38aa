using Interrogate.Tensors;
using static Interrogate.Tests.Tensors.Autodiff.GradCheck;

namespace Interrogate.Tests.Tensors.Autodiff;

public class NormAndEmbeddingGradTests
{
    [Fact]
    public void LayerNorm_WithoutAffine_RowsHaveMeanZeroVarianceOne()
    {
        var x = Randn(1, 4, 16).Mul(3f).Add(5f);
        var y = x.LayerNorm(null, null, 1e-5f).ToArray();
        for (int r = 0; r < 4; r++)
        {
            var row = y.Skip(r * 16).Take(16).Select(v => (double)v).ToArray();
            double mean = row.Average();
            Assert.Equal(0, mean, 1e-5);
            Assert.Equal(1, row.Sum(v => (v - mean) * (v - mean)) / 16, 1e-3);
        }
    }

    [Fact]
    public void LayerNorm_GradientsForInputWeightBias_MatchNumeric()
    {
        var x = Randn(2, 2, 3, 6);
        Check(t => t[0].LayerNorm(t[1], t[2], 1e-5f), [x, Randn(3, 6), Randn(4, 6)], eps: 1e-3, tol: 1e-2);
        Check(t => t[0].LayerNorm(null, null), [RandnTransposed(5, 5, 4)], eps: 1e-3, tol: 1e-2);
    }

    [Fact]
    public void RmsNorm_MatchesDefinition_AndGradientsMatchNumeric()
    {
        var x = Randn(6, 3, 8);
        var w = Randn(7, 8);
        var y = x.RmsNorm(w, 1e-6f).ToArray();
        for (int r = 0; r < 3; r++)
        {
            double ms = Enumerable.Range(0, 8).Average(i => (double)x[r, i] * x[r, i]);
            for (int i = 0; i < 8; i++) Assert.Equal(x[r, i] / Math.Sqrt(ms + 1e-6) * w[i], y[r * 8 + i], 1e-5);
        }
        Check(t => t[0].RmsNorm(t[1]), [x, w], eps: 1e-3, tol: 1e-2);
        Check(t => t[0].RmsNorm(t[1]), [RandnTransposed(8, 4, 5), Randn(9, 5)], eps: 1e-3, tol: 1e-2);
    }

    [Fact]
    public void Embedding_GathersRows_AndScatterAddsGradient()
    {
        var w = Randn(10, 5, 3);
        int[] ids = [4, 0, 4, 2, 1, 4];
        var y = w.Embedding(ids, 2, 3);
        Assert.Equal([2, 3, 3], y.Shape);
        for (int c = 0; c < 3; c++) { Assert.Equal(w[4, c], y[0, 2, c]); Assert.Equal(w[2, c], y[1, 0, c]); }
        Check(t => t[0].Embedding(ids, 2, 3), [w], tol: 1e-3);
        Check(t => t[0].Embedding([1, 1, 0]), [RandnTransposed(11, 2, 4)], tol: 1e-3);
    }

    [Fact]
    public void Embedding_IdOutOfRange_ThrowsNamingTheId()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Randn(12, 5, 3).Embedding([1, 5]));
        Assert.Contains("token id 5", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Randn(12, 5, 3).Embedding([-1]));
    }
}
