using Interrogate.Kernels;
using Interrogate.Kernels.Reference;
using Xunit.Abstractions;

namespace Interrogate.Tests.Kernels;

/// <summary>LayerNorm and RMSNorm kernels, forward and backward, against their naive double-precision twins.</summary>
public sealed class NormKernelTests(ITestOutputHelper output)
{
    private const float Eps = 1e-5f;

    private static double Tolerance(int d) => 1e-6 * Math.Sqrt(d) + 4e-6;

    public static TheoryData<int> Widths() => KernelCheck.WidthCases(seed: 23);

    [Theory]
    [MemberData(nameof(Widths))]
    public void LayerNorm_ForwardAndBackward_MatchReference(int d)
    {
        var random = new Random(d);
        var x = KernelCheck.Row(random, d, scale: 2, offset: 5);   // an offset the two-pass variance must not lose
        var w = KernelCheck.Row(random, d, scale: 0.5, offset: 1);
        var b = KernelCheck.Row(random, d, scale: 0.3);
        var g = KernelCheck.Row(random, d);
        var y = new float[d];
        var (mean, rstd) = Norms.LayerNorm(x, w, b, Eps, y);
        var reference = NormsReference.LayerNorm(x, w, b, Eps);
        var (forward, scale) = KernelCheck.Compare(y, reference.Y);
        double statistics = Math.Max(Math.Abs(mean - reference.Center), Math.Abs(rstd - reference.Scale) / reference.Scale);

        var before = KernelCheck.Row(random, d);
        var gx = before.ToArray();
        Norms.LayerNormBackward(x, w, mean, rstd, g, gx);
        var (backward, backScale) = KernelCheck.Compare(KernelCheck.Added(gx, before), NormsReference.LayerNormBackward(x, w, g, Eps));

        var (gw0, gb0) = (KernelCheck.Row(random, d), KernelCheck.Row(random, d));
        var (gw, gb) = (gw0.ToArray(), gb0.ToArray());
        Norms.AccumulateAffine(x, mean, rstd, g, gw, gb);
        var (rw, rb) = NormsReference.LayerNormAffineGradients(x, g, Eps);
        var (affineW, _) = KernelCheck.Compare(KernelCheck.Added(gw, gw0), rw);
        var (affineB, _) = KernelCheck.Compare(KernelCheck.Added(gb, gb0), rb);

        output.WriteLine($"d={d}: max |Δ| forward {forward:G3} (scale {scale:G3}), mean/rstd {statistics:G3}, backward {backward:G3} (scale {backScale:G3}), gw {affineW:G3}, gb {affineB:G3}");
        Assert.True(forward <= Tolerance(d) * Math.Max(1, scale), $"forward d={d}: {forward:G3}");
        Assert.True(statistics <= Tolerance(d) * 6, $"statistics d={d}: {statistics:G3}");
        Assert.True(backward <= Tolerance(d) * Math.Max(1, backScale) * 2, $"backward d={d}: {backward:G3}");
        Assert.True(affineW <= Tolerance(d) * 4 && affineB <= Tolerance(d), $"affine d={d}: gw {affineW:G3}, gb {affineB:G3}");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void LayerNorm_NoAffine_MatchesReference(int d)
    {
        var random = new Random(500 + d);
        var x = KernelCheck.Row(random, d, scale: 0.1, offset: -3);
        var g = KernelCheck.Row(random, d);
        var y = new float[d];
        var (mean, rstd) = Norms.LayerNorm(x, [], [], Eps, y);
        var (forward, scale) = KernelCheck.Compare(y, NormsReference.LayerNorm(x, [], [], Eps).Y);
        var gx = new float[d];
        Norms.LayerNormBackward(x, [], mean, rstd, g, gx);
        var (backward, backScale) = KernelCheck.Compare(gx, NormsReference.LayerNormBackward(x, [], g, Eps));
        output.WriteLine($"d={d}: max |Δ| forward {forward:G3} (scale {scale:G3}), backward {backward:G3} (scale {backScale:G3})");
        // rstd ≈ 10 here, so the backward's scale is ~10× the forward's.
        Assert.True(forward <= Tolerance(d) * Math.Max(1, scale) * 4, $"forward d={d}: {forward:G3}");
        Assert.True(backward <= Tolerance(d) * Math.Max(1, backScale) * 4, $"backward d={d}: {backward:G3}");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void RmsNorm_ForwardAndBackward_MatchReference(int d)
    {
        var random = new Random(900 + d);
        var x = KernelCheck.Row(random, d, scale: 3, offset: 1);
        var w = KernelCheck.Row(random, d, scale: 0.5, offset: 1);
        var g = KernelCheck.Row(random, d);
        var y = new float[d];
        float rrms = Norms.RmsNorm(x, w, Eps, y);
        var reference = NormsReference.RmsNorm(x, w, Eps);
        var (forward, scale) = KernelCheck.Compare(y, reference.Y);
        double statistic = Math.Abs(rrms - reference.Scale) / reference.Scale;
        var before = KernelCheck.Row(random, d);
        var gx = before.ToArray();
        Norms.RmsNormBackward(x, w, rrms, g, gx);
        var (backward, backScale) = KernelCheck.Compare(KernelCheck.Added(gx, before), NormsReference.RmsNormBackward(x, w, g, Eps));
        output.WriteLine($"d={d}: max |Δ| forward {forward:G3} (scale {scale:G3}), rrms {statistic:G3}, backward {backward:G3} (scale {backScale:G3})");
        Assert.True(forward <= Tolerance(d) * Math.Max(1, scale), $"forward d={d}: {forward:G3}");
        Assert.True(statistic <= 1e-6, $"rrms d={d}: relative {statistic:G3}");
        Assert.True(backward <= Tolerance(d) * Math.Max(1, backScale) * 2, $"backward d={d}: {backward:G3}");
    }
}
