using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Interrogate.Kernels;
using Interrogate.Kernels.Reference;

namespace Interrogate.Tests.Kernels;

/// <summary>
/// x·Wᵀ with W kept as bfloat16/float16 (converted while packing) against the float32 product on W
/// converted beforehand: bit for bit on every path (matrix-vector, tiny, packed and split across
/// threads), and close to the naive reference.
/// </summary>
[Collection(GemmSettingsCollection.Name)]
public class GemmHalfTests
{
    private static readonly int[][] Shapes = [[1, 37, 53], [1, 700, 900], [3, 5, 7], [37, 1, 53], [97, 61, 131], [200, 150, 520], [128, 300, 800]];

    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var kind in new[] { GemmKernelKind.Reference, GemmKernelKind.Vector, GemmKernel.Best })
            for (int s = 0; s < Shapes.Length; s++)
                foreach (var encoding in new[] { HalfEncoding.BFloat16, HalfEncoding.Float16 })
                    data.Add((int)kind, s, (int)encoding);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public unsafe void MultiplyHalfTransposed_EveryPath_EqualsFloat32ProductOnConvertedWeights(int kind, int shape, int encodingValue)
    {
        var (m, n, k) = (Shapes[shape][0], Shapes[shape][1], Shapes[shape][2]);
        var encoding = (HalfEncoding)encodingValue;
        var rng = new Random(100 * shape + kind);
        // W [n, k] in two blocks that are not adjacent in memory, as q/k/v rows of a fused projection are in a file.
        var bits = GC.AllocateArray<ushort>(n * k + 64, pinned: true);
        int split = n / 3, gap = 64;
        for (int i = 0; i < n * k; i++)
        {
            float v = (float)(rng.NextDouble() * 2 - 1);
            bits[i < split * k ? i : i + gap] = encoding == HalfEncoding.BFloat16
                ? (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16) : BitConverter.HalfToUInt16Bits((Half)v);
        }
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(bits));
        var blocks = split == 0 ? new[] { (0, start) } : [(0, start), (split, start + (nint)(split * k + gap) * 2)];
        var w = new HalfMatrix(encoding, n, k, blocks, bits);
        var converted = w.ToSingle();
        var a = new float[m * k];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        foreach (int threads in new[] { 1, 2 })
            foreach (float beta in new[] { 0f, 0.5f })
            {
                using var scope = new GemmScope((GemmKernelKind)kind, threads);
                var c0 = new float[m * n];
                for (int i = 0; i < c0.Length; i++) c0[i] = i % 7 - 3;
                var expected = (float[])c0.Clone();
                var actual = (float[])c0.Clone();
                var naive = (float[])c0.Clone();
                Gemm.Multiply(false, true, m, n, k, 0.75f, a, k, converted, k, beta, expected, n);
                Gemm.MultiplyHalfTransposed(m, 0.75f, a, k, w, beta, actual, n);
                GemmReference.Multiply(false, true, m, n, k, 0.75f, a, k, converted, k, beta, naive, n);
                Assert.Equal(expected, actual);
                for (int i = 0; i < naive.Length; i++) Assert.True(Math.Abs(actual[i] - naive[i]) <= 1e-4 * (1 + Math.Abs(naive[i])), $"{m}x{n}x{k} [{i}]: {actual[i]} vs {naive[i]}");
            }
    }

    [Fact]
    public unsafe void HalfMatrix_RowsAcrossBlocks_ConvertExactly()
    {
        var bits = GC.AllocateArray<ushort>(8, pinned: true);
        float[] values = [1f, -2f, 0.5f, 3.25f, -0.125f, 65504f, 6e-5f, 0f];
        for (int i = 0; i < 8; i++) bits[i] = BitConverter.HalfToUInt16Bits((Half)values[i]);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(bits));
        // Rows 0-1 are the last four elements, rows 2-3 the first four.
        var w = new HalfMatrix(HalfEncoding.Float16, 4, 2, [(0, start + 8), (2, start)], bits);
        Assert.Equal([-0.125f, 65504f, (float)(Half)6e-5f, 0f, 1f, -2f, 0.5f, 3.25f], w.ToSingle());
    }
}
