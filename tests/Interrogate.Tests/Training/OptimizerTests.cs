using Interrogate.Tensors;
using Interrogate.Training;

namespace Interrogate.Tests.Training;

public class OptimizerTests
{
    private static (string, Tensor) Param(params float[] values)
    {
        var t = Tensor.FromArray(values, values.Length);
        t.RequiresGrad = true;
        return ("w", t);
    }

    [Fact]
    public void AdamW_ThreeSteps_MatchesTorchFormula()
    {
        var (name, w) = Param(1f, -2f, 0.5f);
        var opt = new AdamW([(name, w)], learningRate: 0.1f, weightDecay: 0.01f);
        double[] expected = [1.0, -2.0, 0.5];
        double[] m = new double[3], v = new double[3];
        float[][] grads = [[0.5f, -1f, 2f], [0.1f, 0.3f, -0.2f], [-0.4f, 0.2f, 0.0f]];
        for (int step = 1; step <= 3; step++)
        {
            w.Grad = Tensor.FromArray(grads[step - 1], 3);
            opt.Step();
            for (int i = 0; i < 3; i++)
            {
                double g = grads[step - 1][i];
                expected[i] *= 1 - 0.1 * 0.01;
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                double mHat = m[i] / (1 - Math.Pow(0.9, step)), vHat = v[i] / (1 - Math.Pow(0.999, step));
                expected[i] -= 0.1 * mHat / (Math.Sqrt(vHat) + 1e-8);
            }
        }
        var actual = w.ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], actual[i], 1e-5);
    }

    [Fact]
    public void Sgd_MomentumAndDecay_MatchesTorchFormula()
    {
        var (name, w) = Param(1f, 2f);
        var opt = new Sgd([(name, w)], learningRate: 0.1f, momentum: 0.9f, weightDecay: 0.1f);
        double[] expected = [1, 2], buf = new double[2];
        for (int step = 0; step < 3; step++)
        {
            w.Grad = Tensor.FromArray([0.5f, -0.5f], 2);
            opt.Step();
            for (int i = 0; i < 2; i++)
            {
                double g = (i == 0 ? 0.5 : -0.5) + 0.1 * expected[i];
                buf[i] = step == 0 ? g : 0.9 * buf[i] + g;
                expected[i] -= 0.1 * buf[i];
            }
        }
        Assert.Equal(expected[0], w.ToArray()[0], 1e-5);
        Assert.Equal(expected[1], w.ToArray()[1], 1e-5);
    }

    [Fact]
    public void AdamW_VectorLanesAndScalarTail_BitIdentical()
    {
        // 17 values: 0..15 go through the vector loop, 16 through the scalar tail; 16 copies 0's inputs.
        var init = Enumerable.Range(0, 17).Select(i => 0.1f * (i % 16) - 0.7f).ToArray();
        var (name, w) = Param(init);
        var opt = new AdamW([(name, w)], learningRate: 0.03f, weightDecay: 0.1f);
        for (int step = 0; step < 5; step++)
        {
            var g = Enumerable.Range(0, 17).Select(i => MathF.Sin(step + 0.37f * (i % 16))).ToArray();
            w.Grad = Tensor.FromArray(g, 17);
            opt.Step();
        }
        var result = w.ToArray();
        Assert.Equal(BitConverter.SingleToInt32Bits(result[0]), BitConverter.SingleToInt32Bits(result[16]));
        Assert.NotEqual(init[0], result[0]);
    }

    [Fact]
    public void AdamW_StateRoundTrip_ContinuesIdentically()
    {
        var (n1, a) = Param(1f, 2f);
        var (n2, b) = Param(1f, 2f);
        var optA = new AdamW([(n1, a)], 0.05f);
        var optB = new AdamW([(n2, b)], 0.05f);
        a.Grad = Tensor.FromArray([0.3f, -0.1f], 2);
        b.Grad = Tensor.FromArray([0.3f, -0.1f], 2);
        optA.Step(); optB.Step();
        var saved = optA.State().ToDictionary(s => s.Name, s => s.Tensor.Clone());
        var restored = new AdamW([(n1, a)], 0.05f);
        restored.LoadState(saved, optA.StepCount);
        a.Grad = Tensor.FromArray([0.2f, 0.4f], 2);
        b.Grad = Tensor.FromArray([0.2f, 0.4f], 2);
        restored.Step(); optB.Step();
        Assert.Equal(b.ToArray(), a.ToArray());
    }

    [Fact]
    public void CosineSchedule_WarmupThenDecay_HitsEndpoints()
    {
        var s = new CosineSchedule(PeakRate: 1f, WarmupSteps: 10, TotalSteps: 110, MinRate: 0.1f);
        Assert.Equal(0.1f, s.RateAt(0), 6);
        Assert.Equal(1f, s.RateAt(9), 6);
        Assert.Equal(1f, s.RateAt(10), 6);
        Assert.Equal(0.55f, s.RateAt(60), 5);
        Assert.Equal(0.1f, s.RateAt(110), 6);
        Assert.Equal(0.1f, s.RateAt(500), 6);
    }

    [Fact]
    public void ClipByGlobalNorm_LargeGradient_ScalesToMaxNorm()
    {
        var (_, w) = Param(0f, 0f);
        w.Grad = Tensor.FromArray([3f, 4f], 2);
        float norm = GradientClipping.ClipByGlobalNorm([w], 1f);
        Assert.Equal(5f, norm, 5);
        Assert.Equal(0.6f, w.Grad.ToArray()[0], 4);
        Assert.Equal(0.8f, w.Grad.ToArray()[1], 4);
    }
}
