using Interrogate.Tensors;
using static Interrogate.Tests.Tensors.Autodiff.GradCheck;

namespace Interrogate.Tests.Tensors.Autodiff;

public class ShapeGradTests
{
    [Fact]
    public void Reshape_Contiguous_IsViewAndInfersMinusOne()
    {
        var x = Randn(1, 2, 3, 4);
        var y = x.Reshape(-1, 4);
        Assert.Equal([6, 4], y.Shape);
        Assert.Same(x.Storage, y.Storage);
        Assert.Throws<ArgumentException>(() => x.Reshape(-1, -1));
        Assert.Throws<ArgumentException>(() => x.Reshape(5, -1));
        Check(t => t[0].Reshape(4, -1), [x], tol: 1e-3);
        Check(t => t[0].Reshape(-1), [RandnTransposed(2, 3, 4)], tol: 1e-3);
    }

    [Fact]
    public void TransposePermute_AreStridedViews_WithGradients()
    {
        var x = Randn(3, 2, 3, 4);
        var t = x.Transpose(0, 2);
        Assert.Same(x.Storage, t.Storage);
        Assert.Equal([4, 3, 2], t.Shape);
        Assert.Equal(x[1, 2, 3], t[3, 2, 1]);
        var p = x.Permute(1, 2, 0);
        Assert.Equal(x[1, 2, 3], p[2, 3, 1]);
        Check(u => u[0].Transpose(-1, 0).Mul(u[0].Transpose(-1, 0)), [x], tol: 3e-3);
        Check(u => u[0].Permute(2, 0, 1).Contiguous(), [x], tol: 1e-3);
    }

    [Fact]
    public void SliceSplitConcat_ValuesAndGradients()
    {
        var x = Randn(4, 3, 5);
        var s = x.Slice(1, 1, 3);
        Assert.Equal([3, 3], s.Shape);
        Assert.Equal(x[2, 3], s[2, 2]);
        var parts = x.Split([2, 3], axis: 1);
        Assert.Equal(x[1, 4], parts[1][1, 2]);
        var joined = Ops.Concat(parts, axis: 1);
        Assert.Equal(x.ToArray(), joined.ToArray());
        Check(t => t[0].Slice(1, 1, 3), [x], tol: 1e-3);
        Check(t => Ops.Concat(t[0].Split([1, 4], 1).Reverse().ToArray(), 1), [x], tol: 1e-3);
        Check(t => Ops.Concat([t[0], t[1].Square()], 0), [Randn(5, 2, 3), RandnTransposed(6, 4, 3)], tol: 3e-3);
        Check(t => t[0].Slice(0, 1, 2), [RandnTransposed(7, 4, 3)], tol: 1e-3);
    }

    [Fact]
    public void Contiguous_OfContiguous_IsSameTensor_OfView_IsRecordedCopy()
    {
        var x = Randn(8, 2, 3);
        Assert.Same(x, x.Contiguous());
        var t = x.Transpose(0, 1).Contiguous();
        Assert.True(t.IsContiguous);
        Assert.NotSame(x.Storage, t.Storage);
    }
}
