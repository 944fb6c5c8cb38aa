using Interrogate.Numerics;

namespace Interrogate.Tests.Numerics;

public sealed class MultipleComparisonsTests
{
    [Fact]
    public void RankPValue_AboveAllNulls_IsOneOverNPlusOne()
    {
        double[] nulls = [.. Enumerable.Range(0, 199).Select(i => i / 100.0)];
        Assert.Equal(1 / 200.0, MultipleComparisons.RankPValue(5, nulls), 12);
        Assert.Equal(1.0, MultipleComparisons.RankPValue(-1, nulls), 12);
        Assert.Equal(101 / 200.0, MultipleComparisons.RankPValue(0.985, nulls), 12);   // nulls 0.99..1.98 (100 of them) are ≥ it
    }

    [Fact]
    public void Holm_TextbookExample_StepDownAdjusted()
    {
        // p = 0.01, 0.04, 0.03, 0.005 → sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.06, 0.04·1) = 0.06.
        var adjusted = MultipleComparisons.Holm([0.01, 0.04, 0.03, 0.005]);
        Assert.Equal([0.03, 0.06, 0.06, 0.02], adjusted.Select(p => Math.Round(p, 12)).ToArray());
    }

    [Fact]
    public void SmallestPassing_TwoHundredNulls_NeedsToBeatTheLargestAtOnePercent()
    {
        double[] nulls = [.. Enumerable.Range(1, 200).Select(i => (double)i)];
        Assert.Equal(200, MultipleComparisons.SmallestPassing(nulls, 0.005));   // k = ⌊0.005·201⌋ − 1 = 0
        Assert.Equal(199, MultipleComparisons.SmallestPassing(nulls, 0.01));    // k = 1
        Assert.Equal(double.PositiveInfinity, MultipleComparisons.SmallestPassing(nulls, 0.001));
    }

    [Fact]
    public void PairedBootstrap_Ratio_CoversTheMeanAndPairsDifferences()
    {
        var rng = new Interrogate.Tensors.TensorRandom(3);
        int n = 200;
        var counts = Enumerable.Repeat(10.0, n).ToArray();
        var a = Enumerable.Range(0, n).Select(_ => 10 * (1 + rng.NextNormal())).ToArray();   // per-item mean 1, sd of a window's mean 1
        var b = a.Select(x => x - 5).ToArray();                                               // a − b is exactly 0.5 in every window
        var boot = new PairedBootstrap(n, 1000, seed: 1);
        var ratio = boot.Ratio(a, counts);
        Assert.InRange(ratio.Value, ratio.Low, ratio.High);
        Assert.InRange(ratio.HalfWidth, 0.10, 0.18);                                          // 1.96·1/√200 ≈ 0.139
        var diff = boot.Difference(a, counts, b, counts);
        Assert.Equal(0.5, diff.Value, 9);
        Assert.Equal(0.5, diff.Low, 9);                                                       // paired: no spread at all
        Assert.Equal(0.5, diff.High, 9);
    }
}
