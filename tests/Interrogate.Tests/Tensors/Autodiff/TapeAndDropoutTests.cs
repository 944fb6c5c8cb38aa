using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using static Interrogate.Tests.Tensors.Autodiff.GradCheck;

namespace Interrogate.Tests.Tensors.Autodiff;

public class TapeAndDropoutTests
{
    [Fact]
    public void NoGrad_InsideTape_RecordsNothing()
    {
        var w = Randn(1, 3, 4);
        w.RequiresGrad = true;
        using var tape = new GradientTape();
        using (GradientTape.NoGrad())
        {
            var y = Randn(2, 2, 4).Linear(w).Gelu().Softmax().Sum();
            Assert.False(y.RequiresGrad);
        }
        Assert.Equal(0, tape.Count);
        _ = Randn(2, 2, 4).Linear(w);
        Assert.Equal(1, tape.Count);
    }

    [Fact]
    public void Detach_SharesDataButStopsGradient()
    {
        var x = Randn(3, 4);
        x.RequiresGrad = true;
        using var tape = new GradientTape();
        var d = x.Detach();
        Assert.Same(x.Storage, d.Storage);
        Assert.False(d.RequiresGrad);
        var loss = x.Mul(d).Sum();
        tape.Backward(loss);
        Close(d.ToArray(), x.Grad!.ToArray(), 0);
    }

    [Fact]
    public void Dropout_Training_ZeroesAboutPAndScalesSurvivors()
    {
        var x = Tensor.Full(1f, 10000);
        var y = x.Dropout(0.3f, new TensorRandom(5), training: true).ToArray();
        double zeros = y.Count(v => v == 0f) / 10000.0;
        Assert.InRange(zeros, 0.27, 0.33);
        Assert.All(y, v => Assert.True(v == 0f || Math.Abs(v - 1 / 0.7f) < 1e-6));
        Assert.Same(x, x.Dropout(0.3f, new TensorRandom(5), training: false));
        Assert.Same(x, x.Dropout(0f, new TensorRandom(5), training: true));
    }

    [Fact]
    public void Dropout_Gradient_MatchesNumericWithFixedMask()
    {
        Check(t => t[0].Dropout(0.5f, new TensorRandom(9), training: true), [Randn(6, 4, 5)], tol: 1e-3);
    }
}
