using Interrogate.Kernels;

namespace Interrogate.Tests.Kernels;

public class GemmPackingTests
{
    /// <summary>
    /// The vectorized A packer (8 × 8 and 4 × 4 transposes for wide panels) lays out exactly what
    /// the definition says: panel q, k step p, lane r holds A[q·mr + r, p], zeros past the last row.
    /// kc = 21 leaves a 5-step scalar tail; mc = 2·mr + 3 leaves an edge panel.
    /// </summary>
    [Theory]
    [InlineData(12)]
    [InlineData(16)]
    [InlineData(6)]
    public unsafe void PackA_WidePanelsWithTail_MatchesDefinition(int mr)
    {
        const int kc = 21, lda = 29;
        int mc = 2 * mr + 3, panels = (mc + mr - 1) / mr;
        var rng = new Random(7);
        var a = new float[mc * lda];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() - 0.5);
        var packed = new float[panels * mr * kc + GemmPacking.ASlack];
        fixed (float* pa = a, pd = packed)
            GemmPacking.PackA(false, pa, lda, mc, kc, mr, pd);

        for (int q = 0; q < panels; q++)
            for (int p = 0; p < kc; p++)
                for (int r = 0; r < mr; r++)
                {
                    int row = q * mr + r;
                    float expected = row < mc ? a[row * lda + p] : 0f;
                    Assert.Equal(expected, packed[(q * kc + p) * mr + r]);
                }
    }
}
