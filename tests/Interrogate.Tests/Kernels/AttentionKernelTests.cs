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

    // Soft-cap and sliding window (Gemma 2) against the naive reference: windows shorter than a query
    // block and longer than it, with a KV-cache offset, a padding mask and several query blocks.
    [Theory]
    [InlineData(200, 230, 0f, 17, false)]
    [InlineData(200, 200, 2.5f, 0, false)]
    [InlineData(200, 200, 2.5f, 130, true)]
    [InlineData(13, 40, 1f, 5, true)]
    public void Forward_SoftCapAndWindow_MatchesReferenceAndZeroOutsideWindow(int tq, int tk, float softCap, int window, bool masked)
    {
        const int d = 16, dv = 8;
        var rng = new Random(11);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var (q, k, v) = (Rand(tq * d), Rand(tk * d), Rand(tk * dv));
        var mask = masked ? Enumerable.Range(0, tk).Select(j => j % 7 == 2 ? 0f : 1f).ToArray() : [];
        const float scale = 0.5f;
        var expected = Attention.Reference(q, k, v, tq, tk, d, dv, scale, true, mask, softCap, window);
        var output = new float[tq * dv];
        Attention.Forward(q, k, v, tq, tk, d, dv, scale, true, mask, new float[Math.Min(tq, Attention.QueryBlock) * tk], false, output, softCap, window);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], output[i], 1e-5);

        var pattern = Enumerable.Repeat(float.NaN, tq * tk).ToArray();
        var kept = new float[tq * dv];
        Attention.Forward(q, k, v, tq, tk, d, dv, scale, true, mask, pattern, true, kept, softCap, window);
        Assert.Equal(output, kept);
        var alone = Enumerable.Repeat(float.NaN, tq * tk).ToArray();
        Attention.Pattern(q, k, tq, tk, d, scale, true, mask, alone, softCap, window);
        Assert.Equal(alone, pattern);
        for (int i = 0; i < tq; i++)
        {
            int last = tk - tq + i, first = window > 0 ? Math.Max(0, last - window + 1) : 0;
            for (int j = 0; j < tk; j++)
                if (j < first || j > last) Assert.Equal(0f, pattern[i * tk + j]);
            Assert.Equal(1.0, pattern.AsSpan(i * tk, tk).ToArray().Sum(x => (double)x), 1e-5);
        }
        // The options change the result (the test would notice them being ignored).
        var plain = Attention.Reference(q, k, v, tq, tk, d, dv, scale, true, mask);
        Assert.True(plain.Zip(expected).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }
}
