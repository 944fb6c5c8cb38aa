using Interrogate.Kernels;

namespace Interrogate.Tests.Kernels;

public class PoolingTests
{
    [Theory]
    [InlineData(28, 28, 0)]
    [InlineData(7, 9, 0)]
    [InlineData(6, 5, 4)]
    public void MaxForward2x2_MatchesGenericWindowIncludingTiesAndNaN(int h, int w, int nans)
    {
        var rng = new Random(h * 31 + w);
        // Values from a small set, so that windows often hold ties; a few NaNs anywhere.
        var plane = Enumerable.Range(0, h * w).Select(_ => (float)rng.Next(4)).ToArray();
        for (int i = 0; i < nans; i++) plane[rng.Next(plane.Length)] = float.NaN;
        var g = new ConvGeometry(1, h, w, 2, 2, 2, 0);
        var (expected, expectedArg) = (new float[g.Positions], new int[g.Positions]);
        Pooling.MaxForward(plane, g, expected, expectedArg);
        var (y, arg) = (new float[g.Positions], new int[g.Positions]);
        Pooling.MaxForward2x2(plane, h, w, y, arg);
        Assert.Equal(expected, y);
        Assert.Equal(expectedArg, arg);
        if (nans > 0) Assert.Contains(y, float.IsNaN);
    }
}
