using Interrogate.Kernels;
using Interrogate.Tensors;
using static Interrogate.Tests.Tensors.Autodiff.GradCheck;

namespace Interrogate.Tests.Tensors.Autodiff;

public class ConvPoolGradTests
{
    // (B, C, H, W, O, kH, kW, stride, padding): odd sizes, stride 2, padding, non-square kernels.
    public static TheoryData<int, int, int, int, int, int, int, int, int> ConvCases => new()
    {
        { 2, 3, 7, 5, 4, 3, 3, 1, 0 },
        { 2, 2, 7, 9, 3, 3, 3, 2, 1 },
        { 1, 3, 6, 7, 2, 2, 3, 1, 1 },
        { 3, 1, 9, 8, 2, 3, 2, 2, 0 },
        { 2, 2, 5, 5, 3, 5, 5, 1, 2 },
        { 1, 2, 4, 3, 2, 1, 1, 2, 1 },
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_MatchesNaiveLoopAndGradientsMatchFiniteDifferences(int b, int c, int h, int w, int o, int kh, int kw, int stride, int pad)
    {
        var x = Randn(1, b, c, h, w);
        var weight = Randn(2, o, c, kh, kw);
        var bias = Randn(3, o);
        var y = x.Conv2d(weight, bias, stride, pad);
        var expected = NaiveConv(x, weight, bias, stride, pad, out var shape);
        Assert.Equal(shape, y.Shape);
        Close(expected, y.ToArray(), 1e-4);
        Check(t => t[0].Conv2d(t[1], t[2], stride, pad), [x, weight, bias], tol: 5e-3);
    }

    [Fact]
    public void Conv2d_LargeBatchNoBias_MatchesNaive()
    {
        // Nine 28×28 images split into per-thread ranges, each unfolded through the padded stride-1 path.
        var x = Randn(4, 9, 16, 28, 28);
        var weight = Randn(5, 4, 16, 5, 5);
        var y = x.Conv2d(weight, null, 1, 2);
        Close(NaiveConv(x, weight, null, 1, 2, out _), y.ToArray(), 1e-3);
    }

    [Fact]
    public void Conv2d_NonContiguousInput_GradientsMatch()
    {
        var x = Randn(6, 2, 3, 5, 4).Transpose(2, 3);
        Assert.False(x.IsContiguous);
        Check(t => t[0].Conv2d(t[1], null, 2, 1), [x, Randn(7, 2, 3, 3, 2)], tol: 5e-3);
    }

    [Fact]
    public void Conv2d_WrongChannels_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Randn(1, 1, 3, 5, 5).Conv2d(Randn(2, 2, 2, 3, 3)));
        Assert.Contains("[O, 3, kH, kW]", e.Message);
    }

    [Fact]
    public void MaxPool2d_PicksWindowMaximaAndRoutesGradientToArgMax()
    {
        var x = Tensor.FromArray([1, 5, 2, 0, 3, 4, 9, 8, 7, 6, -1, -2, 0, 0, 0, 0, 1, 2], 1, 1, 3, 6);
        Assert.Equal([9f, 7f, 4f], x.MaxPool2d(2).ToArray());   // floor mode: the last row is dropped
        // A small step, so that no perturbation changes which element wins a window.
        Check(t => t[0].MaxPool2d(2), [Randn(8, 2, 3, 5, 7)], eps: 1e-3, tol: 5e-3);
        Check(t => t[0].MaxPool2d(3, 2), [Randn(9, 1, 2, 7, 6)], eps: 1e-3, tol: 5e-3);
    }

    [Fact]
    public void AvgPool2d_AveragesWindowsAndGradientsMatch()
    {
        var x = Tensor.FromArray([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], 1, 1, 4, 4);
        Assert.Equal([3.5f, 5.5f, 11.5f, 13.5f], x.AvgPool2d(2).ToArray());
        Assert.Equal([6f, 8f, 14f, 16f], x.MaxPool2d(2).ToArray());
        Check(t => t[0].AvgPool2d(2), [Randn(10, 2, 3, 5, 7)], tol: 5e-3);
        Check(t => t[0].AvgPool2d(3, 2), [Randn(11, 1, 2, 7, 6)], tol: 5e-3);
    }

    [Fact]
    public void Im2Col_FoldIsAdjointOfUnfold()
    {
        // ⟨unfold(x), c⟩ = ⟨x, fold(c)⟩ for every x and c: the backward is the exact transpose.
        var g = new ConvGeometry(2, 5, 6, 3, 2, 2, 1);
        var x = Randn(12, g.ImageSize).ToArray();
        var c = Randn(13, g.PatchSize * g.Positions).ToArray();
        var cols = new float[c.Length];
        Im2Col.Unfold(x, g, cols, g.Positions, 0);
        var folded = new float[x.Length];
        Im2Col.FoldAdd(c, g.Positions, 0, g, folded);
        double left = 0, right = 0;
        for (int i = 0; i < c.Length; i++) left += (double)cols[i] * c[i];
        for (int i = 0; i < x.Length; i++) right += (double)x[i] * folded[i];
        Assert.Equal(left, right, 1e-3);
    }

    /// <summary>The definition, in double: y[b,o,i,j] = bias[o] + Σ x[b,c,i·s−p+u, j·s−p+v]·w[o,c,u,v].</summary>
    private static float[] NaiveConv(Tensor x, Tensor w, Tensor? bias, int s, int p, out int[] shape)
    {
        int b = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3], o = w.Shape[0], kh = w.Shape[2], kw = w.Shape[3];
        int oh = (h + 2 * p - kh) / s + 1, ow = (wd + 2 * p - kw) / s + 1;
        shape = [b, o, oh, ow];
        float[] xs = x.ToArray(), ws = w.ToArray();
        var y = new float[b * o * oh * ow];
        for (int n = 0, at = 0; n < b; n++)
            for (int f = 0; f < o; f++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++, at++)
                    {
                        double sum = bias is null ? 0 : bias[f];
                        for (int ch = 0; ch < c; ch++)
                            for (int u = 0; u < kh; u++)
                                for (int v = 0; v < kw; v++)
                                {
                                    int r = i * s - p + u, q = j * s - p + v;
                                    if (r >= 0 && r < h && q >= 0 && q < wd) sum += (double)xs[((n * c + ch) * h + r) * wd + q] * ws[((f * c + ch) * kh + u) * kw + v];
                                }
                        y[at] = (float)sum;
                    }
        return y;
    }
}
