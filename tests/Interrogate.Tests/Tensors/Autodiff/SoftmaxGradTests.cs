using Interrogate.Tensors;
using static Interrogate.Tests.Tensors.Autodiff.GradCheck;

namespace Interrogate.Tests.Tensors.Autodiff;

public class SoftmaxGradTests
{
    [Fact]
    public void Softmax_RowsSumToOne_AndSurvivesHugeLogits()
    {
        var x = Randn(1, 4, 7).Mul(3f);
        var y = x.Softmax().ToArray();
        for (int r = 0; r < 4; r++) Assert.Equal(1.0, y.Skip(r * 7).Take(7).Sum(v => (double)v), 1e-6);
        var big = Tensor.FromArray([1000f, 1001f, -1000f], 1, 3).Softmax().ToArray();
        Close([(float)(1 / (1 + Math.E)), (float)(Math.E / (1 + Math.E)), 0f], big, 1e-6);
        Close(x.Softmax().Log().ToArray(), x.LogSoftmax().ToArray(), 1e-5);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public void SoftmaxLogSoftmax_AnyAxis_GradientsMatchNumeric(int axis)
    {
        var x = Randn(2, 3, 4, 5);
        Check(t => t[0].Softmax(axis), [x], eps: 1e-3, tol: 3e-3);
        Check(t => t[0].LogSoftmax(axis), [x], eps: 1e-3, tol: 3e-3);
        Check(t => t[0].Softmax(axis), [RandnTransposed(3, 3, 4, 5)], eps: 1e-3, tol: 3e-3);
        var s = x.Softmax(axis).Sum(axis).ToArray();
        Assert.All(s, v => Assert.Equal(1f, v, 1e-5f));
    }

    [Fact]
    public void CrossEntropy_MatchesDoubleReference_AndIgnoresIndex()
    {
        var logits = Randn(4, 5, 6).Mul(2f);
        int[] targets = [0, 5, -100, 2, 3];
        double expected = 0;
        for (int r = 0; r < 5; r++)
        {
            if (targets[r] < 0) continue;
            double lse = Math.Log(Enumerable.Range(0, 6).Sum(c => Math.Exp(logits[r, c])));
            expected += lse - logits[r, targets[r]];
        }
        Assert.Equal(expected / 4, logits.CrossEntropy(targets).Item(), 1e-5);
        Check(t => t[0].CrossEntropy(targets), [logits], eps: 1e-3, tol: 3e-3);
        Check(t => t[0].CrossEntropy([1, 1, 4, 7, 7], ignoreIndex: 7), [logits], eps: 1e-3, tol: 3e-3);
    }

    [Fact]
    public void CrossEntropy_ThreeDimensionalLogits_FlattenLeadingAxes()
    {
        var logits = Randn(5, 2, 3, 4);
        int[] targets = [0, 1, 2, 3, -100, 1];
        Assert.Equal(logits.Reshape(6, 4).CrossEntropy(targets).Item(), logits.CrossEntropy(targets).Item(), 1e-6);
        Check(t => t[0].CrossEntropy(targets), [logits], eps: 1e-3, tol: 3e-3);
        Check(t => t[0].CrossEntropy([3, 2, 1, 0]), [RandnTransposed(6, 4, 4)], eps: 1e-3, tol: 3e-3);
    }

    [Fact]
    public void CrossEntropy_AllIgnored_IsZero_TargetOutOfRange_Throws()
    {
        var logits = Randn(7, 2, 3);
        Assert.Equal(0f, logits.CrossEntropy([-100, -100]).Item());
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => logits.CrossEntropy([0, 3]));
        Assert.Contains("target class 3", ex.Message);
    }
}
