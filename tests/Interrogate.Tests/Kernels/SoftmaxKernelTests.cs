using Interrogate.Kernels;
using Interrogate.Kernels.Reference;
using Xunit.Abstractions;

namespace Interrogate.Tests.Kernels;

/// <summary>Every softmax kernel against its naive double-precision twin, on rows of many widths.</summary>
public sealed class SoftmaxKernelTests(ITestOutputHelper output)
{
    // float32 relative accuracy allowing for d-term float sums (the kernels accumulate in float).
    private static double Tolerance(int d) => 4e-7 * Math.Sqrt(d) + 2e-6;

    public static TheoryData<int> Widths() => KernelCheck.WidthCases();

    [Theory]
    [MemberData(nameof(Widths))]
    public void Forward_RandomRow_MatchesReference(int d)
    {
        var random = new Random(d);
        var x = KernelCheck.Row(random, d, scale: 3, offset: 40);   // a large offset: the max subtraction must hold it
        var y = new float[d];
        Softmax.Forward(x, y);
        var (soft, _) = KernelCheck.Compare(y, SoftmaxReference.Forward(x));
        var logY = new float[d];
        Softmax.LogForward(x, logY);
        var (log, logScale) = KernelCheck.Compare(logY, SoftmaxReference.LogForward(x));
        double lse = Math.Abs(Softmax.LogSumExp(x) - SoftmaxReference.LogSumExp(x));
        output.WriteLine($"d={d}: max |Δ| softmax {soft:G3}, log-softmax {log:G3} (scale {logScale:G3}), logsumexp {lse:G3}");
        Assert.True(soft <= Tolerance(d), $"softmax d={d}: max |Δ| {soft:G3}");
        Assert.True(log <= Tolerance(d) * Math.Max(1, logScale), $"log-softmax d={d}: max |Δ| {log:G3}");
        Assert.True(lse <= Tolerance(d) * 43, $"logsumexp d={d}: |Δ| {lse:G3}");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Backward_RandomRow_MatchesJacobianProduct(int d)
    {
        var random = new Random(1000 + d);
        var x = KernelCheck.Row(random, d, scale: 2);
        var g = KernelCheck.Row(random, d);
        var before = KernelCheck.Row(random, d);
        var y = new float[d];
        Softmax.Forward(x, y);
        var gx = before.ToArray();
        Softmax.Backward(y, g, gx);
        var (soft, softScale) = KernelCheck.Compare(KernelCheck.Added(gx, before), SoftmaxReference.Backward(x, g));

        var logY = new float[d];
        Softmax.LogForward(x, logY);
        gx = before.ToArray();
        Softmax.LogBackward(logY, g, gx);
        var (log, logScale) = KernelCheck.Compare(KernelCheck.Added(gx, before), SoftmaxReference.LogBackward(x, g));
        output.WriteLine($"d={d}: max |Δ| softmax backward {soft:G3} (scale {softScale:G3}), log-softmax backward {log:G3} (scale {logScale:G3})");
        Assert.True(soft <= Tolerance(d) * Math.Max(1, softScale) * 4, $"softmax backward d={d}: max |Δ| {soft:G3}");
        Assert.True(log <= Tolerance(d) * Math.Max(1, logScale) * 4, $"log-softmax backward d={d}: max |Δ| {log:G3}");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void CrossEntropyBackward_AssignAndAccumulate_MatchReference(int d)
    {
        var random = new Random(2000 + d);
        var x = KernelCheck.Row(random, d, scale: 4);
        int target = random.Next(d);
        const float scale = 0.37f;
        var expected = SoftmaxReference.CrossEntropyBackward(x, target, scale);
        float lse = Softmax.LogSumExp(x);

        var gx = KernelCheck.Row(random, d);
        Softmax.CrossEntropyBackward(x, lse, target, scale, gx, accumulate: false);
        var (assign, _) = KernelCheck.Compare(gx, expected);
        var before = KernelCheck.Row(random, d);
        gx = before.ToArray();
        Softmax.CrossEntropyBackward(x, lse, target, scale, gx, accumulate: true);
        var (add, _) = KernelCheck.Compare(KernelCheck.Added(gx, before), expected);
        output.WriteLine($"d={d}: max |Δ| cross-entropy backward {assign:G3} (assign), {add:G3} (accumulate)");
        Assert.True(assign <= Tolerance(d), $"assign d={d}: max |Δ| {assign:G3}");
        Assert.True(add <= Tolerance(d) * 8, $"accumulate d={d}: max |Δ| {add:G3}");   // + the rounding of adding to values of order 1
    }
}
