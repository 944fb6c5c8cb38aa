using Interrogate.Kernels;
using Interrogate.Tensors;
using static Interrogate.Tests.Tensors.Autodiff.GradCheck;

namespace Interrogate.Tests.Tensors.Autodiff;

public class ElementwiseGradTests
{
    public static TheoryData<int[], int[]> BroadcastShapes => new()
    {
        { [3, 4], [3, 4] },
        { [3, 4], [4] },
        { [3, 1], [1, 4] },
        { [2, 3, 4], [3, 1] },
        { [2, 1, 4], [2, 3, 1] },
        { [4], [] },
        { [], [2, 3] },
    };

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void AddSubMulDiv_Broadcast_GradientsMatchNumeric(int[] shapeA, int[] shapeB)
    {
        var a = Randn(1, shapeA);
        var b = Randn(2, shapeB);
        Check(x => x[0].Add(x[1]), [a, b], tol: 3e-3);
        Check(x => x[0].Sub(x[1]), [a, b], tol: 3e-3);
        Check(x => x[0].Mul(x[1]), [a, b], tol: 3e-3);
        var positive = Randn(3, shapeB).Square().Add(0.5f).Detach();
        Check(x => x[0].Div(x[1]), [a, positive], eps: 1e-3, tol: 1e-2);
    }

    [Fact]
    public void Add_BroadcastForward_MatchesLoops()
    {
        var a = Randn(4, 2, 3, 1);
        var b = Randn(5, 3, 4);
        var y = a.Add(b);
        Assert.Equal([2, 3, 4], y.Shape);
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++)
            Assert.Equal(a[i, j, 0] + b[j, k], y[i, j, k]);
    }

    [Fact]
    public void Binary_TransposedViews_GradientsMatchNumeric()
    {
        var a = RandnTransposed(6, 3, 5);
        var b = RandnTransposed(7, 3, 5);
        Check(x => x[0].Mul(x[1]).Add(x[0]), [a, b], tol: 3e-3);
        var c = Randn(8, 5);
        Check(x => x[0].Sub(x[1]), [a, c], tol: 3e-3);
    }

    [Fact]
    public void Operators_TensorAndScalar_GradientsMatchNumeric()
    {
        var a = Randn(9, 2, 3);
        var b = Randn(10, 3).Square().Add(1f).Detach();
        Check(x => (x[0] * x[1] - x[0] / x[1] + 2f * x[0] - 1.5f) / 3f, [a, b], eps: 1e-3, tol: 1e-2);
        Check(x => 1f - (-x[0]) + x[0] * 0.5f + 2f / x[1], [a, b], eps: 1e-3, tol: 1e-2);
    }

    [Fact]
    public void ScalarForms_ValuesAreExact()
    {
        var a = Tensor.FromArray([1f, -2f, 4f], 3);
        Assert.Equal([3f, 0f, 6f], (a + 2f).ToArray());
        Assert.Equal([-1f, 2f, -4f], (-a).ToArray());
        Assert.Equal([0.5f, -1f, 2f], (a / 2f).ToArray());
        Assert.Equal([1f, 4f, 16f], a.Square().ToArray());
        Assert.Equal([1f, 2f], Tensor.FromArray([1f, 4f], 2).Sqrt().ToArray());
    }

    public static TheoryData<string> UnaryOps => new() { "relu", "tanh", "sigmoid", "silu", "gelu", "gelu_tanh", "exp", "square", "neg" };

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary_ContiguousAndTransposed_GradientsMatchNumeric(string op)
    {
        Func<Tensor, Tensor> f = op switch
        {
            "relu" => t => t.Relu(),
            "tanh" => t => t.Tanh(),
            "sigmoid" => t => t.Sigmoid(),
            "silu" => t => t.Silu(),
            "gelu" => t => t.Gelu(),
            "gelu_tanh" => t => t.Gelu(tanhApproximation: true),
            "exp" => t => t.Exp(),
            "square" => t => t.Square(),
            _ => t => t.Neg(),
        };
        // Keep inputs away from ReLU's kink so the finite difference is well defined.
        var x = AwayFromZero(Randn(11, 4, 6));
        Check(t => f(t[0]), [x], eps: 1e-3, tol: 5e-3);
        var xt = AwayFromZero(RandnTransposed(12, 4, 6));
        Check(t => f(t[0]), [xt], eps: 1e-3, tol: 5e-3);
    }

    [Fact]
    public void PositiveDomainOps_GradientsMatchNumeric()
    {
        var x = Randn(13, 3, 4).Square().Add(0.5f).Detach();
        Check(t => t[0].Log(), [x], eps: 1e-3, tol: 5e-3);
        Check(t => t[0].Sqrt(), [x], eps: 1e-3, tol: 5e-3);
        Check(t => t[0].Pow(1.7f), [x], eps: 1e-3, tol: 5e-3);
        Check(t => t[0].Pow(-0.5f), [x], eps: 1e-3, tol: 5e-3);
    }

    [Fact]
    public void Erf_KnownPoints_AccurateTo1e7Relative()
    {
        (double X, double Erf)[] known =
        [
            (0.0, 0.0), (1e-4, 1.1283791633342487e-4), (0.1, 0.1124629160182849), (0.5, 0.5204998778130465),
            (1.0, 0.8427007929497149), (1.5, 0.9661051464753108), (2.0, 0.9953222650189527),
            (2.5, 0.9995930479825550), (3.0, 0.9999779095030014), (-0.3, -0.3286267594591274), (-4.0, -0.9999999845827421),
        ];
        foreach (var (x, expected) in known)
        {
            double got = Activations.Erf(x);
            Assert.True(Math.Abs(got - expected) <= 1e-7 * Math.Max(Math.Abs(expected), 1e-30) + 1e-300,
                $"erf({x}) = {got:R}, expected {expected:R}");
            Assert.Equal(expected, (double)(float)got, 1e-7 * Math.Max(1, Math.Abs(expected)));
        }
        Assert.Equal(1.0, Activations.Erfc(3.0) / 2.209049699858544e-5, 1e-9);
        Assert.Equal(1.0, Activations.Erfc(5.0) / 1.5374597944280349e-12, 1e-9);
    }

    [Fact]
    public void ErfInterpolated_DenseSweep_WithinOneBillionthOfSeries()
    {
        double worst = 0;
        for (double x = -7; x <= 7; x += 1.0 / 997)
            worst = Math.Max(worst, Math.Abs(Activations.ErfInterpolated(x) - Activations.Erf(x)));
        Assert.True(worst < 1e-9, $"max |ErfInterpolated − Erf| = {worst:G3}");
    }

    [Fact]
    public void Gelu_KnownPoints_MatchPyTorch()
    {
        var x = Tensor.FromArray([-3f, -1f, -0.5f, 0f, 0.5f, 1f, 3f], 7);
        // x·Φ(x) and the tanh form evaluated in float64 (what torch gives for float64 inputs).
        float[] exact = [-0.00404969409f, -0.158655254f, -0.154268769f, 0f, 0.345731231f, 0.841344746f, 2.99595031f];
        float[] tanh = [-0.00363739208f, -0.158808009f, -0.15428599f, 0f, 0.34571401f, 0.841191991f, 2.99636261f];
        Close(exact, x.Gelu().ToArray(), 1e-6);
        Close(tanh, x.Gelu(tanhApproximation: true).ToArray(), 1e-6);
    }

    [Fact]
    public void Sigmoid_Silu_Tanh_MatchDoubleReference()
    {
        var x = Randn(14, 50);
        var xs = x.ToArray();
        Close(xs.Select(v => (float)(1 / (1 + Math.Exp(-v)))).ToArray(), x.Sigmoid().ToArray(), 1e-6);
        Close(xs.Select(v => (float)(v / (1 + Math.Exp(-v)))).ToArray(), x.Silu().ToArray(), 1e-6);
        Close(xs.Select(v => (float)Math.Tanh(v)).ToArray(), x.Tanh().ToArray(), 1e-6);
    }

    private static Tensor AwayFromZero(Tensor x)
    {
        var s = x.Storage;
        for (int i = 0; i < s.Length; i++) if (MathF.Abs(s[i]) < 0.05f) s[i] = s[i] < 0 ? -0.1f : 0.1f;
        return x;
    }
}
