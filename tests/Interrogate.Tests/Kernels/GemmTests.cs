using Interrogate.Kernels;
using Interrogate.Kernels.Reference;

namespace Interrogate.Tests.Kernels;

[Collection(GemmSettingsCollection.Name)]
public class GemmTests
{
    private static readonly GemmKernelKind[] Kinds =
        [GemmKernelKind.Reference, GemmKernelKind.Vector, GemmKernelKind.Avx2, GemmKernelKind.Avx512];

    // m, n, k: vectors, scalars, primes, whole and partial register tiles, one past KC (257) and
    // past the AVX2 MC block (145), big enough (97·61·131) to be split across threads.
    private static readonly int[][] Shapes =
    [
        [1, 1, 1], [1, 37, 53], [37, 1, 53], [1, 1, 64], [3, 5, 7], [13, 33, 7], [6, 16, 40],
        [12, 32, 33], [97, 61, 131], [145, 40, 20], [20, 70, 257], [64, 64, 64], [8, 8, 0],
    ];

    public static TheoryData<int, bool, bool, int> Cases()
    {
        var data = new TheoryData<int, bool, bool, int>();
        foreach (var kind in Kinds)
            for (int s = 0; s < Shapes.Length; s++)
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        data.Add((int)kind, ta, tb, s);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Multiply_EveryKernelShapeAndTranspose_MatchesReference(int kind, bool transA, bool transB, int shape)
    {
        var (m, n, k) = (Shapes[shape][0], Shapes[shape][1], Shapes[shape][2]);
        // Vary alpha/beta/padding/threads across cases so each combination meets them all.
        int variant = shape + (transA ? 2 : 0) + (transB ? 1 : 0);
        float alpha = variant % 3 == 0 ? 1f : -0.75f;
        float beta = (variant % 4) switch { 0 => 0f, 1 => 1f, 2 => 0.5f, _ => -2f };
        int pad = variant % 2 == 0 ? 0 : 3;
        foreach (int threads in new[] { 1, 2 })
        {
            using var scope = new GemmScope((GemmKernelKind)kind, threads);
            double ratio = GemmCheck.WorstRatio(transA, transB, m, n, k, alpha, beta, pad, seed: 1000 * shape + kind);
            Assert.True(ratio <= 1, $"{(GemmKernelKind)kind} {m}x{n}x{k} ta={transA} tb={transB} threads={threads}: error/tolerance {ratio:G3}");
        }
    }

    [Fact]
    public void Multiply_LargerThanCacheBlocks_MatchesReferenceOnBestKernel()
    {
        // Crosses MC (144) and KC (256) and takes both thread splits (by rows, by columns); the thin
        // third problem crosses NC (4080) in each thread's half.
        using var scope = new GemmScope(GemmKernel.Best, 2);
        Assert.True(GemmCheck.WorstRatio(false, true, 200, 150, 520, 1f, 0f, 1, seed: 7) <= 1);
        Assert.True(GemmCheck.WorstRatio(true, false, 150, 200, 520, 0.5f, 1f, 0, seed: 8) <= 1);
        Assert.True(GemmCheck.WorstRatio(false, false, 7, 8300, 9, 1f, -1f, 0, seed: 9) <= 1);
    }

    [Theory]
    [InlineData(1, 700, 900)]
    [InlineData(700, 1, 900)]
    public void Multiply_LargeMatrixVector_SplitAcrossThreadsMatchesReference(int m, int n, int k)
    {
        // Big enough that the matrix-vector path splits its rows between two threads.
        using var scope = new GemmScope(GemmKernel.Best, 2);
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                Assert.True(GemmCheck.WorstRatio(ta, tb, m, n, k, 1.5f, 0.5f, 1, seed: m + n) <= 1, $"ta={ta} tb={tb}");
    }

    [Theory]
    [InlineData(64, 48, 80)]
    [InlineData(1, 300, 200)]
    public void Multiply_SingleThreadWarm_DoesNotAllocate(int m, int n, int k)
    {
        using var scope = new GemmScope(GemmKernel.Best, 1);
        var a = new float[m * k];
        var b = new float[k * n];
        var c = new float[m * n];
        Gemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) Gemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Multiply_AlphaZero_OnlyScalesC()
    {
        using var scope = new GemmScope(GemmKernel.Best, 1);
        float[] a = [float.NaN, 1], b = [1, 1], c = [2, 4];
        Gemm.Multiply(false, false, 1, 1, 2, 0f, a, 2, b, 1, 0.5f, c, 1);
        Assert.Equal(1f, c[0]);
    }

    [Fact]
    public void Multiply_ShortSpan_Throws()
    {
        var a = new float[5];
        var b = new float[6];
        var c = new float[6];
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 3, 3, 1f, a, 3, b, 3, 0f, c, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 3, 3, 1f, new float[6], 2, b, 3, 0f, c, 3));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void MultiplyBatched_SmallHeads_MatchesPerItemReference(int threads)
    {
        using var scope = new GemmScope(GemmKernel.Best, threads);
        const int batch = 6, m = 17, n = 9, k = 23, strideA = m * k + 5, strideB = n * k + 2, strideC = m * n + 1;
        var rng = new Random(3);
        float[] a = Enumerable.Range(0, batch * strideA).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, batch * strideB).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] c = Enumerable.Range(0, batch * strideC).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] expected = (float[])c.Clone();
        Gemm.MultiplyBatched(false, true, m, n, k, 0.5f, a, k, strideA, b, k, strideB, 1f, c, n, strideC, batch);
        for (int i = 0; i < batch; i++)
            GemmReference.Multiply(false, true, m, n, k, 0.5f, a.AsSpan(i * strideA), k, b.AsSpan(i * strideB), k, 1f,
                expected.AsSpan(i * strideC), n);
        for (int i = 0; i < c.Length; i++) Assert.Equal(expected[i], c[i], 1e-5f);
    }

    [Fact]
    public void OpenBlasBackend_WhenInstalled_MatchesReference()
    {
        if (!OpenBlas.IsAvailable)
        {
            Assert.Contains("apt-get install libopenblas0", OpenBlas.MissingMessage);
            Assert.Throws<InputException>(() => Gemm.Backend = GemmBackend.OpenBlas);
            return;
        }
        using var scope = new GemmScope(GemmKernel.Best, 1, GemmBackend.OpenBlas);
        Assert.True(GemmCheck.WorstRatio(true, true, 31, 17, 45, -1f, 0.25f, 2, seed: 11) <= 1);
    }
}
