using Interrogate.Kernels;
using Interrogate.Kernels.Reference;
using Xunit.Abstractions;

namespace Interrogate.Tests.Kernels;

/// <summary>Both GELU kernels, forward and backward, against their naive double-precision twins.</summary>
public sealed class GeluKernelTests(ITestOutputHelper output)
{
    public static TheoryData<int> Widths() => KernelCheck.WidthCases(seed: 29);

    /// <summary>[n] values: Gaussian ×3, with saturating extremes and zero written over the first ones.</summary>
    private static float[] Inputs(int n, int seed)
    {
        var x = KernelCheck.Row(new Random(seed), n, scale: 3);
        float[] edges = [0f, -0f, 30f, -30f, 9f, -9f, 1e-6f, -1e-6f, 88f, -88f];
        for (int i = 0; i < Math.Min(n, edges.Length); i++) x[i] = edges[i];
        return x;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void GeluTanh_ForwardAndBackward_MatchReference(int d)
    {
        var x = Inputs(d, d);
        var g = KernelCheck.Row(new Random(100 + d), d);
        var y = new float[d];
        Activations.GeluTanh(x, y);
        var (forward, scale) = KernelCheck.Compare(y, [.. x.Select(v => GeluReference.Tanh(v))]);
        var before = KernelCheck.Row(new Random(200 + d), d);
        var gx = before.ToArray();
        Activations.GeluTanhBackward(x, g, gx);
        var (backward, _) = KernelCheck.Compare(KernelCheck.Added(gx, before), [.. x.Select((v, i) => g[i] * GeluReference.TanhDerivative(v))]);
        output.WriteLine($"d={d}: max |Δ| tanh-GELU forward {forward:G3} (scale {scale:G3}), backward {backward:G3}");
        // Error relative to each value's magnitude: 2e-7 per unit of |x| (float rounding of x·(1 + t)), 1e-6 absolute.
        Assert.True(WorstRelative(y, x, GeluReference.Tanh) <= 1, $"tanh-GELU forward d={d}: {forward:G3}");
        Assert.True(backward <= 4e-6 * Math.Max(1, g.Max(Math.Abs)), $"tanh-GELU backward d={d}: {backward:G3}");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void GeluErf_ForwardAndBackward_MatchReference(int d)
    {
        var x = Inputs(d, 300 + d);
        var g = KernelCheck.Row(new Random(400 + d), d);
        var y = new float[d];
        Activations.GeluErf(x, y);
        var (forward, scale) = KernelCheck.Compare(y, [.. x.Select(v => GeluReference.Erf(v))]);
        var before = KernelCheck.Row(new Random(500 + d), d);
        var gx = before.ToArray();
        Activations.GeluErfBackward(x, g, gx);
        var (backward, _) = KernelCheck.Compare(KernelCheck.Added(gx, before), [.. x.Select((v, i) => g[i] * GeluReference.ErfDerivative(v))]);
        output.WriteLine($"d={d}: max |Δ| erf-GELU forward {forward:G3} (scale {scale:G3}), backward {backward:G3}");
        Assert.True(WorstRelative(y, x, GeluReference.Erf) <= 1, $"erf-GELU forward d={d}: {forward:G3}");
        Assert.True(backward <= 4e-6 * Math.Max(1, g.Max(Math.Abs)), $"erf-GELU backward d={d}: {backward:G3}");
    }

    /// <summary>Worst |y − f(x)| / (1e-6 + 2e-7·|x|): at most 1 when every output is within float rounding of the reference.</summary>
    private static double WorstRelative(float[] y, float[] x, Func<double, double> f) =>
        y.Select((v, i) => Math.Abs(v - f(x[i])) / (1e-6 + 2e-7 * Math.Abs(x[i]))).Max();
}
