using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Interrogate.Kernels;

/// <summary>
/// A weight W [n, k] packed once into the blocked GEMM's B panels for op(B) = Wᵀ (what oneDNN and
/// ONNX Runtime call prepacking). The ordinary product packs the whole weight on every call: at
/// 128 rows that is a read and a write of every weight per forward pass (154 MB for GPT-2's
/// 768 × 50,257 unembedding alone) on top of the read the multiply itself needs. Native memory,
/// one copy of the weight (padded to whole panels); <see cref="Dispose"/> frees it.
/// The layout is fixed for the kernel chosen when it was packed (<see cref="Matches"/>).
/// </summary>
internal sealed unsafe class PackedMatrix : IDisposable
{
    private float* data;

    /// <summary>Packs W [n, k] (row-major, leading dimension ldw) for the current kernel.</summary>
    public PackedMatrix(float* w, nint ldw, int n, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        Kind = GemmKernel.Current;
        Tiling = GemmKernel.Tiling(Kind);
        (N, K) = (n, k);
        KcStep = GemmBlocked.KcStep(Tiling, k);   // the sums split as the unpacked routes split them: the same bits
        PaddedN = (n + Tiling.Nr - 1) / Tiling.Nr * Tiling.Nr;
        Floats = (long)PaddedN * k;
        data = (float*)NativeMemory.AlignedAlloc((nuint)Floats * sizeof(float), 64);
        // Slice by slice (each KcStep deep, the last possibly shallower): slice pc starts at pc·PaddedN.
        for (int pc = 0; pc < k; pc += KcStep)
            GemmPacking.PackB(true, w + pc, ldw, Math.Min(KcStep, k - pc), n, Tiling.Nr, data + (nint)pc * PaddedN);
    }

    public int N { get; }
    public int K { get; }
    public int KcStep { get; }
    public int PaddedN { get; }
    public long Floats { get; }
    public GemmKernelKind Kind { get; }
    public GemmTiling Tiling { get; }

    /// <summary>Bytes of native memory held.</summary>
    public long Bytes => Floats * sizeof(float);

    /// <summary>Whether the panels fit the kernel in use now (the kernel can be switched at run time).</summary>
    public bool Matches => data != null && GemmKernel.Current == Kind;

    /// <summary>The packed KC slice that starts at depth pc, its panel for column j (a multiple of Nr).</summary>
    public float* Panel(int pc, int j) => data + (nint)pc * PaddedN + (nint)j * Math.Min(KcStep, K - pc);

    public void Dispose()
    {
        if (data != null) NativeMemory.AlignedFree(data);
        data = null;
        GC.SuppressFinalize(this);
    }

    ~PackedMatrix() { if (data != null) NativeMemory.AlignedFree(data); }
}

/// <summary>
/// C[m, n] = A[m, k] · Wᵀ with W pre-packed (<see cref="PackedMatrix"/>): the same KC slices in the
/// same order and the same micro-kernel as <see cref="GemmBlocked"/>, so the same bits, without the
/// per-call packing of W. Threads own column ranges (whole panels) and run every KC slice of them,
/// so no thread waits for another after the start; each packs A itself (A is m·k, small beside W).
/// </summary>
internal static unsafe class GemmPrepacked
{
    [ThreadStatic] private static float* ownA;
    [ThreadStatic] private static nint ownACapacity;

    // Columns per chunk: a KC × chunk block of W (~512 KB) stays in L2 while every row block of A
    // runs against it.
    private const int ChunkFloats = 1 << 17;

    /// <summary>A's packed size for all of its rows and the whole depth, as <see cref="Run"/> lays it out.</summary>
    private static nint PackedAFloats(in GemmTiling t, int m, int k) => (nint)RoundUp(m, t.Mr) * k + GemmPacking.ASlack;

    /// <summary>C[m, w.N] (leading dimension ldc) = A[m, w.K] (leading dimension lda) · Wᵀ on up to <paramref name="threads"/> threads.</summary>
    public static void Multiply(PackedMatrix w, int m, float* a, nint lda, float* c, nint ldc, int threads)
    {
        if (!w.Matches) throw new InvalidOperationException("the packed matrix was packed for another kernel");
        if (m == 0) return;
        var t = w.Tiling;
        int panels = CeilDiv(w.N, t.Nr);
        long flops = (long)m * w.N * w.K;
        int parts = (int)Math.Min(Math.Min(threads, Math.Max(1, flops / (1L << 21))), panels);
        if (parts <= 1) { Run(w, m, a, lda, c, ldc, 0, w.N); return; }
        nint pa = (nint)a, pc = (nint)c;
        Parallelism.For(parts, parts, part =>
        {
            int first = (int)((long)panels * part / parts) * t.Nr, last = Math.Min(w.N, (int)((long)panels * (part + 1) / parts) * t.Nr);
            if (last > first) Run(w, m, (float*)pa, lda, (float*)pc, ldc, first, last);
        });
    }

    // Columns [j0, j1) of C, all rows: A packed once (row block by row block, slice by slice), then
    // for each column chunk, each row block, each slice in order (the first overwrites C, later add).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run(PackedMatrix w, int m, float* a, nint lda, float* c, nint ldc, int j0, int j1)
    {
        var t = w.Tiling;
        int k = w.K, kcStep = w.KcStep, mr = t.Mr, nr = t.Nr;
        int mcStep = RoundUp(CeilDiv(m, CeilDiv(m, t.Mc)), mr);
        float* bufA = GemmBlocked.Buffer(ref ownA, ref ownACapacity, PackedAFloats(t, m, k));
        float* edge = stackalloc float[mr * nr];
        // Row block ic, slice pc at bufA + ic·k + RoundUp(mc, mr)·pc (blocks are whole panels of mr, except the last).
        for (int ic = 0; ic < m; ic += mcStep)
        {
            int mc = Math.Min(mcStep, m - ic);
            for (int pc = 0; pc < k; pc += kcStep)
                GemmPacking.PackA(false, a + ic * lda + pc, lda, mc, Math.Min(kcStep, k - pc), mr, bufA + (nint)ic * k + (nint)RoundUp(mc, mr) * pc);
        }
        int chunk = Math.Max(nr, ChunkFloats / kcStep / nr * nr);
        for (int jc = j0; jc < j1; jc += chunk)
        {
            int nc = Math.Min(chunk, j1 - jc);
            for (int ic = 0; ic < m; ic += mcStep)
            {
                int mc = Math.Min(mcStep, m - ic);
                for (int pc = 0; pc < k; pc += kcStep)
                    GemmBlocked.Macro(t, mc, nc, Math.Min(kcStep, k - pc), 1f, bufA + (nint)ic * k + (nint)RoundUp(mc, mr) * pc,
                        w.Panel(pc, jc), pc == 0 ? 0f : 1f, c + ic * ldc + jc, ldc, edge);
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;
}
