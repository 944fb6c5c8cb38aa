using Interrogate.Kernels;

namespace Interrogate.Tests.Kernels;

/// <summary>
/// The product split across threads with shared packed blocks (<c>GemmShared</c>): against the
/// naive reference, and bit for bit against the same product on one thread (the tiles and the
/// KC slices are the same, only who computes them changes).
/// </summary>
[Collection(GemmSettingsCollection.Name)]
public class GemmSharedTests
{
    // m, n, k: few rows (one shared A block) over two KC slices with ragged columns; many rows (row
    // shares of several MC blocks each) over two KC slices; thin and wide, past NC on the AVX2
    // tiling; a small product just over the size that is split at all.
    private static readonly int[][] Shapes = [[128, 300, 800], [401, 77, 1000], [20, 4200, 770], [30, 700, 200]];

    public static TheoryData<int, int, bool, bool, int> Cases()
    {
        var data = new TheoryData<int, int, bool, bool, int>();
        foreach (var kind in new[] { GemmKernelKind.Avx2, GemmKernelKind.Avx512 })
            for (int s = 0; s < Shapes.Length; s++)
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        data.Add((int)kind, s, ta, tb, 2 + (s + (ta ? 1 : 0)) % 2);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Multiply_SharedBlocksOnSeveralThreads_MatchesReferenceAndOneThreadBitForBit(int kind, int shape, bool transA, bool transB, int threads)
    {
        var (m, n, k) = (Shapes[shape][0], Shapes[shape][1], Shapes[shape][2]);
        float beta = transB ? 0.5f : 0f;
        int pad = transA ? 3 : 0;
        using (new GemmScope((GemmKernelKind)kind, threads))
            Assert.True(GemmCheck.WorstRatio(transA, transB, m, n, k, -0.75f, beta, pad, seed: 31 * shape + kind) <= 1,
                $"{(GemmKernelKind)kind} {m}x{n}x{k} ta={transA} tb={transB} threads={threads}");

        var rng = new Random(5 + shape);
        float[] a = Fill(rng, m * k), b = Fill(rng, k * n), c0 = Fill(rng, m * n);
        float[] one = Run((GemmKernelKind)kind, 1, transA, transB, m, n, k, a, b, c0, beta);
        float[] several = Run((GemmKernelKind)kind, threads, transA, transB, m, n, k, a, b, c0, beta);
        Assert.Equal(one, several);
    }

    [Fact]
    public void Multiply_ConcurrentCallersOnTwoThreadsEach_EachEqualsOneThreadResult()
    {
        // Products running at once each need their own shared blocks (one set is pooled, the others allocated).
        const int m = 300, n = 260, k = 900;
        var rng = new Random(12);
        float[] a = Fill(rng, m * k), b = Fill(rng, k * n), zero = new float[m * n];
        float[] expected = Run(GemmKernel.Best, 1, false, true, m, n, k, a, b, zero, 0f);
        using var scope = new GemmScope(GemmKernel.Best, 2);
        var results = new float[4][];
        var callers = Enumerable.Range(0, results.Length).Select(i => new Thread(() =>
        {
            for (int rep = 0; rep < 3; rep++)
            {
                var c = new float[m * n];
                Gemm.Multiply(false, true, m, n, k, 0.5f, a, k, b, k, 0f, c, n);
                results[i] = c;
            }
        })).ToList();
        callers.ForEach(t => t.Start());
        callers.ForEach(t => t.Join());
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    private static float[] Run(GemmKernelKind kind, int threads, bool transA, bool transB, int m, int n, int k,
        float[] a, float[] b, float[] c0, float beta)
    {
        using var scope = new GemmScope(kind, threads);
        var c = (float[])c0.Clone();
        Gemm.Multiply(transA, transB, m, n, k, 0.5f, a, transA ? m : k, b, transB ? k : n, beta, c, n);
        return c;
    }

    private static float[] Fill(Random rng, int count)
    {
        var x = new float[count];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
