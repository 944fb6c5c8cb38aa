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
    public void ReleaseGrad_NextBackward_ReusesBufferWithFreshValues()
    {
        var w = Randn(1, 3, 4);
        w.RequiresGrad = true;
        var x = Randn(2, 5, 4);
        float[] Grad()
        {
            using var tape = new GradientTape();
            tape.Backward(x.Linear(w).Sum());
            return w.Grad!.ToArray();
        }
        var first = Grad();
        var buffer = w.Grad!.Storage;
        w.ReleaseGrad();
        Assert.Null(w.Grad);
        var second = Grad();
        Assert.Same(buffer, w.Grad!.Storage);
        Assert.Equal(first, second);
        // A gradient assigned from outside is never recycled: its buffer may be shared.
        var shared = new float[12];
        w.Grad = new Tensor(shared, 3, 4);
        w.ReleaseGrad();
        Grad();
        Assert.NotSame(shared, w.Grad!.Storage);
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

public class MlpTrainingSmokeTests
{
    [Fact]
    public void TwoLayerMlp_SgdSteps_ReduceCrossEntropy()
    {
        var rng = new TensorRandom(3);
        var x = rng.Normal([32, 4]);
        // Labels from a fixed rule the network can learn: which of the first two features is larger, plus sign of the third.
        int[] y = Enumerable.Range(0, 32).Select(i => (x[i, 0] > x[i, 1] ? 1 : 0) + (x[i, 2] > 0 ? 2 : 0)).ToArray();
        var w1 = rng.KaimingUniform(16, 4); var b1 = Tensor.Zeros(16);
        var w2 = rng.XavierUniform(4, 16); var b2 = Tensor.Zeros(4);
        Tensor[] parameters = [w1, b1, w2, b2];
        foreach (var p in parameters) p.RequiresGrad = true;
        float first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            foreach (var p in parameters) p.Grad = null;
            using var tape = new GradientTape();
            var loss = x.Linear(w1, b1).Gelu().Dropout(0.1f, rng, training: true).Linear(w2, b2).CrossEntropy(y);
            tape.Backward(loss);
            if (step == 0) first = loss.Item();
            last = loss.Item();
            foreach (var p in parameters)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(p.Grad!.Span, -0.5f, p.Span, p.Span);
        }
        Assert.True(last < 0.6f * first, $"loss went from {first} to {last}");
    }

    [Fact]
    public void CrossEntropy_AllIgnoredInsideTape_BackwardGivesZeroGradient()
    {
        var logits = Randn(1, 2, 3);
        logits.RequiresGrad = true;
        using var tape = new GradientTape();
        var loss = logits.CrossEntropy([-100, -100]);
        tape.Backward(loss);
        Assert.All(logits.Grad!.ToArray(), g => Assert.Equal(0f, g));
    }
}
