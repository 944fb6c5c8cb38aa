using Interrogate.Tensors;
using static Interrogate.Tests.Tensors.Autodiff.GradCheck;

namespace Interrogate.Tests.Tensors.Autodiff;

public class ReductionGradTests
{
    [Fact]
    public void SumMean_All_ValuesAndGradients()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 6f], 2, 2);
        Assert.Equal(12f, x.Sum().Item());
        Assert.Equal(3f, x.Mean().Item());
        Assert.Empty(x.Sum().Shape);
        Check(t => t[0].Sum(), [Randn(1, 3, 4)], tol: 1e-3);
        Check(t => t[0].Mean(), [RandnTransposed(2, 3, 4)], tol: 1e-3);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(-1, false)]
    [InlineData(2, true)]
    public void SumMeanMax_Axis_ShapesAndGradients(int axis, bool keepDim)
    {
        var x = Randn(3, 2, 3, 4);
        var s = x.Sum(axis, keepDim);
        int ax = axis < 0 ? axis + 3 : axis;
        Assert.Equal(keepDim ? 3 : 2, s.Rank);
        Assert.Equal(x.Sum().Item(), s.Sum().Item(), 1e-4);
        Close(s.Mul(1f / x.Shape[ax]).ToArray(), x.Mean(axis, keepDim).ToArray(), 1e-6);
        Check(t => t[0].Sum(axis, keepDim), [x], tol: 1e-3);
        Check(t => t[0].Mean(axis, keepDim), [x], tol: 1e-3);
        Check(t => t[0].Max(axis, keepDim), [Separated(4, 2, 3, 4)], eps: 1e-3, tol: 1e-3);
        Check(t => t[0].Sum(axis, keepDim), [Randn(5, 4, 3, 2).Permute(2, 1, 0)], tol: 1e-3);
    }

    [Fact]
    public void Max_Axis_ValuesArePerSliceMaxima()
    {
        var x = Tensor.FromArray([1f, 5f, 2f, 7f, 0f, 3f], 2, 3);
        Assert.Equal([5f, 7f], x.Max(1).ToArray());
        Assert.Equal([7f, 5f, 3f], x.Max(0).ToArray());
        Assert.Equal([2, 1], x.Max(1, keepDim: true).Shape);
    }

    /// <summary>Distinct values (a shuffled ramp) so the arg-max is stable under ±eps.</summary>
    private static Tensor Separated(ulong seed, params int[] shape)
    {
        int n = Shape.Size(shape);
        var values = Enumerable.Range(0, n).Select(i => (i - n / 2) * 0.1f).ToArray();
        new TensorRandom(seed).Shuffle(values.AsSpan());
        return new Tensor(values, shape);
    }
}
