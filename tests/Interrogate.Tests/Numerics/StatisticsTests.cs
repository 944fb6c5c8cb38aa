using Interrogate.Numerics;
using Interrogate.Training.Experiments;

namespace Interrogate.Tests.Training.Experiments;

public class StatisticsTests
{
    [Theory]
    [InlineData(2, 4.302653)]   // textbook table: t(0.975, 2) = 4.303
    [InlineData(4, 2.776445)]
    [InlineData(10, 2.228139)]
    [InlineData(30, 2.042272)]
    public void StudentTQuantile_975_MatchesTables(double df, double expected) =>
        Assert.Equal(expected, Statistics.StudentTQuantile(0.975, df), 1e-5);

    [Fact]
    public void Interval_ThreeValues_MeanAndHalfWidthByHand()
    {
        // mean 2, sd 1, half-width = 4.302653 · 1 / sqrt(3)
        var m = Statistics.Interval([1.0, 2.0, 3.0]);
        Assert.Equal(2.0, m.Mean, 12);
        Assert.Equal(1.0, m.StdDev, 12);
        Assert.Equal(4.302653 / Math.Sqrt(3), m.HalfWidth, 5);
        Assert.Equal(m.Mean - m.HalfWidth, m.Low, 12);
    }

    [Fact]
    public void Interval_OneValue_HasNoWidth() => Assert.True(double.IsNaN(Statistics.Interval([0.9]).HalfWidth));

    [Fact]
    public void Welch_HandComputedExample_MatchesTAndDfAndP()
    {
        // a: mean 3, var 2.5; b: mean 6, var 10. se² = 0.5 + 2 = 2.5, t = −3/√2.5,
        // df = 2.5² / (0.5²/4 + 2²/4) = 5.882353; p from the t density integrated numerically = 0.107531.
        var w = Statistics.Welch([1.0, 2, 3, 4, 5], [2.0, 4, 6, 8, 10]);
        Assert.Equal(-3.0, w.Difference, 12);
        Assert.Equal(-1.8973665961, w.T, 8);
        Assert.Equal(5.8823529412, w.DegreesOfFreedom, 8);
        Assert.Equal(0.1075312, w.P, 6);
    }

    [Fact]
    public void Welch_Symmetric_SameP()
    {
        var ab = Statistics.Welch([0.91, 0.92, 0.90], [0.95, 0.96, 0.94, 0.97]);
        var ba = Statistics.Welch([0.95, 0.96, 0.94, 0.97], [0.91, 0.92, 0.90]);
        Assert.Equal(ab.P, ba.P, 12);
        Assert.Equal(-ab.T, ba.T, 12);
        Assert.True(ab.P < 0.01);
    }

    [Fact]
    public void Welch_ZeroVariance_IsNaNNotInfinite()
    {
        var w = Statistics.Welch([0.5, 0.5], [0.5, 0.5]);
        Assert.True(double.IsNaN(w.T) && double.IsNaN(w.P));
    }
}
