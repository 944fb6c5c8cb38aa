using Interrogate.Kernels;
using Interrogate.Kernels.Reference;

namespace Interrogate.Tests.Kernels;

/// <summary>
/// The product with a weight packed once (<c>GemmPrepacked</c>): bit for bit against the ordinary
/// product, which packs the same weight on every call (same KC slices, same micro-kernel), and
/// close to the naive reference.
/// </summary>
[Collection(GemmSettingsCollection.Name)]
public class GemmPrepackedTests
{
    // m, n, k: one MC block over two KC slices with ragged columns; several MC blocks; thin and
    // wide, past NC on the AVX2 tiling; depth past four AVX-512 KC slices (GPT-2's MLP output).
    private static readonly int[][] Shapes = [[128, 300, 800], [401, 77, 1000], [20, 4200, 770], [30, 96, 3072]];

    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var kind in new[] { GemmKernelKind.Avx2, GemmKernelKind.Avx512 })
            for (int s = 0; s < Shapes.Length; s++)
                foreach (int threads in new[] { 1, 2 })
                    data.Add((int)kind, s, threads);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public unsafe void MultiplyPrepacked_AnyShape_SameBitsAsPackingPerCallAndNearReference(int kind, int shape, int threads)
    {
        var (m, n, k) = (Shapes[shape][0], Shapes[shape][1], Shapes[shape][2]);
        var rng = new Random(17 + shape);
        float[] a = Fill(rng, m * k), w = Fill(rng, n * k);
        float[] expected = new float[m * n], actual = Fill(rng, m * n), reference = new float[m * n];   // NaN-free garbage: beta 0 overwrites
        using (new GemmScope((GemmKernelKind)kind, threads))
        {
            Gemm.Multiply(false, true, m, n, k, 1f, a, k, w, k, 0f, expected, n);
            fixed (float* pw = w)
            {
                using var packed = new PackedMatrix(pw, k, n, k);
                Gemm.MultiplyPrepacked(packed, m, a, k, actual, n);
            }
        }
        Assert.Equal(expected, actual);
        GemmReference.Multiply(false, true, m, n, k, 1f, a, k, w, k, 0f, reference, n);
        float worst = 0;
        for (int i = 0; i < reference.Length; i++) worst = Math.Max(worst, Math.Abs(reference[i] - actual[i]));
        Assert.True(worst < 1e-3f * MathF.Sqrt(k), $"max |difference| {worst}");
    }

    [Fact]
    public unsafe void MultiplyPrepacked_KernelSwitchedAfterPacking_Refuses()
    {
        float[] w = Fill(new Random(3), 64 * 64), a = new float[64 * 64], c = new float[64 * 64];
        using var scope = new GemmScope(GemmKernelKind.Avx2, 1);
        PackedMatrix packed;
        fixed (float* pw = w) packed = new PackedMatrix(pw, 64, 64, 64);
        using (packed)
        {
            GemmKernel.Current = GemmKernelKind.Avx512;
            Assert.False(packed.Matches);
            Assert.Throws<InvalidOperationException>(() => Gemm.MultiplyPrepacked(packed, 64, a, 64, c, 64));
        }
    }

    private static float[] Fill(Random rng, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }
}
