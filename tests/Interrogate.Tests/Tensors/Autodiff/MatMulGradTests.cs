using Interrogate.Tensors;
using static Interrogate.Tests.Tensors.Autodiff.GradCheck;

namespace Interrogate.Tests.Tensors.Autodiff;

public class MatMulGradTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void MatMul2D_AllTransposes_ForwardAndGradients(bool tA, bool tB)
    {
        int m = 3, k = 4, n = 5;
        var a = tA ? Randn(1, k, m) : Randn(1, m, k);
        var b = tB ? Randn(2, n, k) : Randn(2, k, n);
        var y = a.MatMul(b, tA, tB);
        Assert.Equal([m, n], y.Shape);
        Close(Naive(a, b, tA, tB), y.ToArray(), 1e-5);
        Check(x => x[0].MatMul(x[1], tA, tB), [a, b], tol: 3e-3);
    }

    [Fact]
    public void MatMul_TransposedViews_UsedWithoutCopyAndGradientsMatch()
    {
        var a = RandnTransposed(3, 3, 4);
        var b = RandnTransposed(4, 4, 2);
        Close(Naive(a.Clone(), b.Clone(), false, false), a.MatMul(b).ToArray(), 1e-5);
        Check(x => x[0].MatMul(x[1]), [a, b], tol: 3e-3);
        Check(x => x[0].MatMul(x[1], transposeA: true, transposeB: true), [RandnTransposed(5, 4, 3), RandnTransposed(6, 2, 4)], tol: 3e-3);
    }

    [Fact]
    public void MatMul_NDBy2D_FlattensLeadingAxes()
    {
        var a = Randn(7, 2, 3, 4);
        var b = Randn(8, 4, 5);
        var y = a.MatMul(b);
        Assert.Equal([2, 3, 5], y.Shape);
        Close(Naive(a.Reshape(6, 4), b, false, false), y.ToArray(), 1e-5);
        Check(x => x[0].MatMul(x[1]), [a, b], tol: 3e-3);
        Check(x => x[0].MatMul(x[1], transposeA: true), [Randn(9, 2, 4, 3), b], tol: 3e-3);
    }

    [Fact]
    public void MatMul_Batched_MatchesPerBatchProducts()
    {
        var a = Randn(10, 2, 3, 4, 5);
        var b = Randn(11, 2, 3, 5, 2);
        var y = a.MatMul(b);
        Assert.Equal([2, 3, 4, 2], y.Shape);
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++)
        {
            var expected = Naive(a.Slice(0, i, 1).Slice(1, j, 1).Reshape(4, 5).Clone(), b.Slice(0, i, 1).Slice(1, j, 1).Reshape(5, 2).Clone(), false, false);
            Close(expected, y.Slice(0, i, 1).Slice(1, j, 1).Clone().ToArray(), 1e-5);
        }
        Check(x => x[0].MatMul(x[1]), [a, b], tol: 3e-3);
        Check(x => x[0].MatMul(x[1], transposeB: true), [a, Randn(12, 2, 3, 2, 5)], tol: 3e-3);
    }

    [Fact]
    public void MatMul_BatchedWithTransposedViewAndShared2D_GradientsMatch()
    {
        // q·kᵀ as attention does it: a transposed batched view, never copied.
        var q = Randn(13, 2, 3, 4);
        var k = Randn(14, 2, 3, 4).Transpose(-1, -2);
        Check(x => x[0].MatMul(x[1]), [q, k], tol: 3e-3);
        Check(x => x[0].MatMul(x[1]), [Randn(15, 3, 4), Randn(16, 2, 4, 2)], tol: 3e-3);
    }

    [Fact]
    public void Linear_WithAndWithoutBias_MatchesMatMulAndGradients()
    {
        var x = Randn(17, 2, 3, 4);
        var w = Randn(18, 5, 4);
        var b = Randn(19, 5);
        var y = x.Linear(w, b);
        Assert.Equal([2, 3, 5], y.Shape);
        Close(x.MatMul(w, transposeB: true).Add(b).ToArray(), y.ToArray(), 1e-5);
        Check(t => t[0].Linear(t[1], t[2]), [x, w, b], tol: 3e-3);
        Check(t => t[0].Linear(t[1]), [RandnTransposed(20, 4, 6), RandnTransposed(21, 3, 6)], tol: 3e-3);
    }

    [Fact]
    public void Linear_WrongWeightShape_ThrowsWithShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Randn(1, 2, 4).Linear(Randn(2, 5, 3)));
        Assert.Contains("[5, 3]", ex.Message);
    }

    private static float[] Naive(Tensor a, Tensor b, bool tA, bool tB)
    {
        int m = tA ? a.Shape[1] : a.Shape[0], k = tA ? a.Shape[0] : a.Shape[1], n = tB ? b.Shape[0] : b.Shape[1];
        var c = new float[m * n];
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int p = 0; p < k; p++) s += (double)(tA ? a[p, i] : a[i, p]) * (tB ? b[j, p] : b[p, j]);
            c[i * n + j] = (float)s;
        }
        return c;
    }
}
