using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tests.Tensors;

public class TensorTests
{
    [Fact]
    public void Zeros_Shape_HasRowMajorStrides()
    {
        var t = Tensor.Zeros(2, 3, 4);
        Assert.Equal([12, 4, 1], t.Strides);
        Assert.Equal(24, t.Size);
        Assert.True(t.IsContiguous);
    }

    [Fact]
    public void Relu_Backward_PassesGradientWherePositive()
    {
        var x = Tensor.FromArray([-1f, 2f, 0f, 3f], 4);
        x.RequiresGrad = true;
        using var tape = new GradientTape();
        var y = x.Relu();
        tape.Backward(y);
        Assert.Equal([0f, 2f, 0f, 3f], y.ToArray());
        Assert.Equal([0f, 1f, 0f, 1f], x.Grad!.ToArray());
    }

    [Fact]
    public void TensorRandom_SameSeed_SameNumbers()
    {
        var a = new TensorRandom(42).Normal([100]);
        var b = new TensorRandom(42).Normal([100]);
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.InRange(a.ToArray().Average(), -0.3, 0.3);
    }
}
