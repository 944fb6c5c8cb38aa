using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Interrogate.Kernels;

/// <summary>
/// The blocked GEMM split across threads with shared packed operands (as BLIS and OpenBLAS do):
/// for each NC × KC step, the threads pack the B block together, each a share of its panels, into
/// one buffer, then each multiplies it by its own rows of A. When A is a single MC block (few
/// rows, e.g. 128 tokens) it is packed once too and the threads take column shares instead. Nothing
/// is packed twice, where splitting C into independent halves made each thread pack the operand
/// both halves need (the whole of B when rows are split).
///
/// Work is claimed, not assigned: each step's packing and multiplying are numbered items taken with
/// an atomic counter, and a thread only ever waits for items another thread has already claimed
/// and is running. So it cannot deadlock when the pool starts the second thread late or not at all
/// (the caller then does every item), and the caller never waits on a thread that has not started.
/// </summary>
internal static unsafe class GemmShared
{
    // Per-thread A block (row shares pack their own rows) and 16-bit row scratch, kept for the thread's life.
    [ThreadStatic] private static float* ownA;
    [ThreadStatic] private static nint ownACapacity;
    [ThreadStatic] private static float* halfRows;
    [ThreadStatic] private static nint halfRowsCapacity;

    // One set of shared buffers (two B blocks, two A blocks: step s packs into s mod 2 while step
    // s − 1 may still be multiplied from the other), handed to one product at a time; a product
    // running concurrently on another thread allocates its own and the larger set is kept.
    private static Buffers? pooled;

    /// <summary>As <see cref="GemmBlocked.Multiply"/> on exactly <paramref name="parts"/> threads (at least 2).</summary>
    public static void Multiply(in GemmTiling t, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc, int parts, HalfMatrix? halfB)
    {
        var plan = new Plan(t, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, parts, halfB);
        var buffers = Interlocked.Exchange(ref pooled, null) ?? new Buffers();
        try
        {
            plan.Use(buffers);
            Parallelism.For(parts, parts, plan.Run);
        }
        finally
        {
            var displaced = Interlocked.Exchange(ref pooled, buffers);
            displaced?.Dispose();
        }
    }

    private sealed class Buffers : IDisposable
    {
        public float* B0, B1, A0, A1;
        private nint bCapacity, aCapacity;

        public void Ensure(nint bFloats, nint aFloats)
        {
            if (bCapacity < bFloats) { Free(ref B0); Free(ref B1); B0 = Alloc(bFloats); B1 = Alloc(bFloats); bCapacity = bFloats; }
            if (aCapacity < aFloats) { Free(ref A0); Free(ref A1); A0 = Alloc(aFloats); A1 = Alloc(aFloats); aCapacity = aFloats; }
        }

        public void Dispose() { Free(ref B0); Free(ref B1); Free(ref A0); Free(ref A1); bCapacity = aCapacity = 0; }

        private static float* Alloc(nint floats) => floats == 0 ? null : (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);

        private static void Free(ref float* p) { if (p != null) NativeMemory.AlignedFree(p); p = null; }
    }

    private sealed class Plan
    {
        private readonly GemmTiling t;
        private readonly bool transA, transB, sharedA;
        private readonly int m, n, k, parts, kcStep, mcStep, ncStep, kSteps, steps, bChunks;
        private readonly float alpha, beta;
        private readonly nint a, b, c, lda, ldb, ldc;
        private readonly HalfMatrix? halfB;
        // Per step, four counters, each on its own 64-byte line: packing claimed, packing done,
        // multiplying claimed, multiplying done.
        private readonly int[] counters;
        private Buffers buffers = null!;
        private const int Stride = 16, PackClaimed = 0, PackDone = 4, WorkClaimed = 8, WorkDone = 12;

        public Plan(in GemmTiling t, bool transA, bool transB, int m, int n, int k, float alpha,
            float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc, int parts, HalfMatrix? halfB)
        {
            (this.t, this.transA, this.transB, this.m, this.n, this.k, this.alpha, this.beta, this.parts, this.halfB) =
                (t, transA, transB, m, n, k, alpha, beta, parts, halfB);
            (this.a, this.lda, this.b, this.ldb, this.c, this.ldc) = ((nint)a, lda, (nint)b, ldb, (nint)c, ldc);
            // The same blocking as the serial product (GemmBlocked.Serial).
            kcStep = GemmBlocked.KcStep(t, k);
            mcStep = RoundUp(CeilDiv(m, CeilDiv(m, t.Mc)), t.Mr);
            int ncLimit = (int)Math.Min((long)t.Nc * t.Kc / Math.Max(kcStep, 1), int.MaxValue / 2);
            ncStep = RoundUp(CeilDiv(n, CeilDiv(n, ncLimit)), t.Nr);
            sharedA = m <= t.Mc;   // then A is one MC block (mcStep ≥ m)
            kSteps = CeilDiv(k, kcStep);
            steps = CeilDiv(n, ncStep) * kSteps;
            bChunks = parts;
            counters = new int[steps * Stride];
        }

        public void Use(Buffers shared)
        {
            buffers = shared;
            shared.Ensure((nint)Math.Min(ncStep, RoundUp(n, t.Nr)) * kcStep,
                sharedA ? (nint)mcStep * kcStep + GemmPacking.ASlack : 0);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int part)
        {
            int mr = t.Mr, nr = t.Nr;
            float* edge = stackalloc float[mr * nr];
            float* privateA = sharedA ? null : GemmBlocked.Buffer(ref ownA, ref ownACapacity, (nint)mcStep * kcStep + GemmPacking.ASlack);
            float* scratch = halfB is null ? null : GemmBlocked.Buffer(ref halfRows, ref halfRowsCapacity, (nint)nr * kcStep);
            int packItems = bChunks;
            for (int s = 0; s < steps; s++)
            {
                int jc = s / kSteps * ncStep, pc = s % kSteps * kcStep;
                int nc = Math.Min(ncStep, n - jc), kc = Math.Min(kcStep, k - pc);
                float* bufB = (s & 1) == 0 ? buffers.B0 : buffers.B1;
                float* bufA = (s & 1) == 0 ? buffers.A0 : buffers.A1;
                ref int line = ref counters[s * Stride];

                // Buffer s mod 2 was last read by step s − 2, which finished before this thread
                // started step s − 1's multiplying (the wait below), so it is free to overwrite.
                for (int item; (item = Interlocked.Increment(ref Unsafe.Add(ref line, PackClaimed)) - 1) < packItems;)
                {
                    Pack(item, jc, nc, pc, kc, bufA, bufB, scratch);
                    Interlocked.Increment(ref Unsafe.Add(ref line, PackDone));
                }
                WaitFor(ref Unsafe.Add(ref line, PackDone), packItems);
                // Later KC slices accumulate onto C: the previous step's tiles must all be written.
                if (s > 0) WaitFor(ref counters[(s - 1) * Stride + WorkDone], parts);

                float betaHere = pc == 0 ? beta : 1f;
                for (int item; (item = Interlocked.Increment(ref Unsafe.Add(ref line, WorkClaimed)) - 1) < parts;)
                {
                    Work(item, jc, nc, pc, kc, betaHere, sharedA ? bufA : privateA, bufB, edge);
                    Interlocked.Increment(ref Unsafe.Add(ref line, WorkDone));
                }
            }
        }

        // Item i packs a share of the B block's panels; item 0 also packs the whole A block when it
        // is shared (one item, not shares: the AVX2 packer's vector stores spill into the next
        // panel). A counts as ceil(m / nr) panels (m·kc floats against nr·kc a panel) so the items
        // are equal: a separate A item left one thread waiting while the other packed it, about
        // 1/6 of the packing at 128 tokens with K = 3,072 (A is 128 × 768 a slice, B 768 × 768).
        private void Pack(int item, int jc, int nc, int pc, int kc, float* bufA, float* bufB, float* scratch)
        {
            int nr = t.Nr;
            int panels = CeilDiv(nc, nr), aUnits = sharedA ? CeilDiv(m, nr) : 0, units = aUnits + panels;
            if (item == 0 && sharedA)
            {
                float* pa = (float*)a;
                GemmPacking.PackA(transA, transA ? pa + pc * lda : pa + pc, lda, m, kc, t.Mr, bufA);
            }
            int first = Math.Clamp((int)((long)units * item / bChunks) - aUnits, 0, panels);
            int last = Math.Clamp((int)((long)units * (item + 1) / bChunks) - aUnits, 0, panels);
            if (last <= first) return;
            int j0 = jc + first * nr, cols = Math.Min(nc - first * nr, (last - first) * nr);
            float* dst = bufB + (nint)first * nr * kc;
            if (halfB is not null) GemmPacking.PackBHalf(halfB, j0, pc, kc, cols, nr, dst, scratch);
            else
            {
                float* pb = (float*)b;
                GemmPacking.PackB(transB, transB ? pb + j0 * ldb + pc : pb + pc * ldb + j0, ldb, kc, cols, nr, dst);
            }
        }

        // Item i: with a shared A, the i-th share of the block's columns; otherwise the i-th share
        // of C's rows, packed MC rows at a time into this thread's own buffer.
        private void Work(int item, int jc, int nc, int pc, int kc, float betaHere, float* bufA, float* bufB, float* edge)
        {
            int mr = t.Mr, nr = t.Nr;
            float* pc0 = (float*)c + jc;
            if (sharedA)
            {
                int panels = CeilDiv(nc, nr);
                int first = (int)((long)panels * item / parts), last = (int)((long)panels * (item + 1) / parts);
                if (last <= first) return;
                int cols = Math.Min(nc - first * nr, (last - first) * nr);
                GemmBlocked.Macro(t, m, cols, kc, alpha, bufA, bufB + (nint)first * nr * kc, betaHere, pc0 + first * nr, ldc, edge);
                return;
            }
            int tiles = CeilDiv(m, mr);
            int r0 = (int)((long)tiles * item / parts) * mr, r1 = Math.Min(m, (int)((long)tiles * (item + 1) / parts) * mr);
            if (r1 <= r0) return;
            // Equal MC blocks within the share, so no block is a thin sliver.
            int rows = r1 - r0, step = RoundUp(CeilDiv(rows, CeilDiv(rows, mcStep)), mr);
            float* pa = (float*)a;
            for (int ic = r0; ic < r1; ic += step)
            {
                int mc = Math.Min(step, r1 - ic);
                GemmPacking.PackA(transA, transA ? pa + pc * lda + ic : pa + ic * lda + pc, lda, mc, kc, mr, bufA);
                GemmBlocked.Macro(t, mc, nc, kc, alpha, bufA, bufB, betaHere, pc0 + ic * ldc, ldc, edge);
            }
        }

        // Waits for items that are already claimed, so their threads are running: spin, then yield,
        // never sleep (a millisecond's sleep is a large share of one product).
        private static void WaitFor(ref int counter, int target)
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref counter) < target) spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;
}
