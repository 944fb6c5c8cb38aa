using Interrogate.Kernels;

namespace Interrogate.Analysis.Activations;

/// <summary>
/// Walks a batch of activations a block of neighbouring neurons at a time, in parallel, handing
/// each block its values packed contiguous. Why: a hook's rows are thousands of floats wide (GPT-2
/// small: 3,072 × 4 bytes = 12 KB, a multiple of 4 KB), so walking one neuron down the rows hits the
/// same few cache sets row after row and misses every time. Copying a block's slice of every row
/// into one short buffer ([n, <see cref="Width"/>], 64 bytes a row) costs one strided read, after
/// which every pass the statistics and top-k make over that block stays in L1/L2.
/// </summary>
internal static class NeuronBlocks
{
    /// <summary>Neurons per block: one cache line of float32 per row, two eight-lane vectors.</summary>
    public const int Width = 16;

    /// <summary>Called once per block with its values.</summary>
    /// <param name="packed">[n, count], row-major: neurons first..first+count−1 of every row.</param>
    /// <param name="n">Rows.</param>
    /// <param name="first">The block's first neuron.</param>
    /// <param name="count">Neurons in the block (≤ <see cref="Width"/>).</param>
    public delegate void BlockAction(ReadOnlySpan<float> packed, int n, int first, int count);

    [ThreadStatic] private static float[]? buffer;

    public static int Count(int width) => (width + Width - 1) / Width;

    /// <summary>Packs and visits every block of <paramref name="rows"/> on up to <see cref="Parallelism.Threads"/> threads.</summary>
    /// <param name="rows">[n, width], row-major.</param>
    /// <param name="width">Neurons per row.</param>
    /// <param name="action">Run once per block, possibly on several threads at once, each block by one thread.</param>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ForEach(ReadOnlySpan<float> rows, int width, BlockAction action)
    {
        int n = rows.Length / width;
        if (n == 0) return;
        fixed (float* p = rows)
        {
            nint address = (nint)p;
            Parallelism.For(Count(width), b =>
            {
                var all = new ReadOnlySpan<float>((void*)address, n * width);
                int first = b * Width, count = Math.Min(Width, width - first);
                if (buffer is null || buffer.Length < n * Width) buffer = new float[Math.Max(n * Width, 1024 * Width)];
                var packed = buffer.AsSpan(0, n * count);
                for (int r = 0; r < n; r++) all.Slice(r * width + first, count).CopyTo(packed.Slice(r * count, count));
                action(packed, n, first, count);
            });
        }
    }
}
