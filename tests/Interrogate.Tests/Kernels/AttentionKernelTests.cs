using Interrogate.Kernels;

namespace Interrogate.Tests.Kernels;

public class AttentionKernelTests
{
    // Several query blocks (tq > QueryBlock), a partial last block, and a KV-cache offset (tq < tk).
    [Theory]
    [InlineData(200, 230, true, false)]
    [InlineData(200, 200, true, true)]
    [InlineData(130, 150, false, true)]
    [InlineData(5, 7, true, false)]
    public void Forward_BlockedCausal_MatchesReferenceAndPattern(int tq, int tk, bool causal, bool masked)
    {
        const int d = 16, dv = 8;
        var rng = new Random(7);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var (q, k, v) = (Rand(tq * d), Rand(tk * d), Rand(tk * dv));
        var mask = masked ? Enumerable.Range(0, tk).Select(j => j % 5 == 3 ? 0f : 1f).ToArray() : [];
        float scale = 0.25f;
        var expected = Attention.Reference(q, k, v, tq, tk, d, dv, scale, causal, mask);

        var scratchOut = new float[tq * dv];
        Attention.Forward(q, k, v, tq, tk, d, dv, scale, causal, mask, new float[Math.Min(tq, Attention.QueryBlock) * tk], false, scratchOut);
        var pattern = Enumerable.Repeat(float.NaN, tq * tk).ToArray();
        var keptOut = new float[tq * dv];
        Attention.Forward(q, k, v, tq, tk, d, dv, scale, causal, mask, pattern, true, keptOut);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], scratchOut[i], 1e-5);
            Assert.Equal(scratchOut[i], keptOut[i]);
        }

        var alone = Enumerable.Repeat(float.NaN, tq * tk).ToArray();
        Attention.Pattern(q, k, tq, tk, d, scale, causal, mask, alone);
        Assert.Equal(alone, pattern);
        for (int i = 0; i < tq; i++)
        {
            int visible = causal ? tk - tq + i + 1 : tk;
            Assert.Equal(1.0, pattern.AsSpan(i * tk, tk).ToArray().Sum(x => (double)x), 1e-5);
            for (int j = visible; j < tk; j++) Assert.Equal(0f, pattern[i * tk + j]);
        }
    }
}
