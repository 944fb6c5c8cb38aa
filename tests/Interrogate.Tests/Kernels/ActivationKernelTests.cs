using Interrogate.Kernels;

namespace Interrogate.Tests.Kernels;

public class ActivationKernelTests
{
    [Fact]
    public void ReluBackward_VectorAndTail_MatchesNaiveLoop()
    {
        var rng = new Random(3);
        const int n = 37;   // four vectors and a scalar tail
        var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        x[5] = 0f;          // the boundary passes no gradient
        var g = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
        var gx = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
        var expected = gx.ToArray();
        for (int i = 0; i < n; i++) if (x[i] > 0f) expected[i] += g[i];
        Activations.ReluBackward(x, g, gx);
        Assert.Equal(expected, gx);
    }
}
