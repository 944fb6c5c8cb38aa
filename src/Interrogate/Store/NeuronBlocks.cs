using System.Runtime.CompilerServices;
using Interrogate.Kernels;

namespace Interrogate.Store;

/// <summary>
/// Walks a batch of activations a block of neighbouring neurons at a time, in parallel, handing
/// each block its values packed close together. Why: a hook's rows are thousands of floats wide
/// (GPT-2 small: 3,072 × 4 bytes = 12 KB, a multiple of 4 KB), so walking one neuron down the rows
/// hits the same few cache sets row after row and misses every time. Copying a panel of up to
/// <see cref="PanelWidth"/> neurons out of every row ([n, 64], 256 bytes a row: four cache lines
/// per row and page instead of one) costs one read of the rows, after which every pass the
/// statistics and top-k make over each of the panel's blocks of <see cref="Width"/> neurons stays
/// in cache. Panels narrow (to one block) for batches of many rows, so a panel stays within
/// <see cref="PanelFloats"/> (256 KB, half an L2) where it can.
/// </summary>
internal static class NeuronBlocks
{
    /// <summary>Neurons per block: one cache line of float32 per row, two eight-lane vectors.</summary>
    public const int Width = 16;

    /// <summary>Most neurons packed together: four blocks.</summary>
    public const int PanelWidth = 4 * Width;

    /// <summary>Floats a panel of more than one block may hold.</summary>
    public const int PanelFloats = 1 << 16;

    /// <summary>Called once per block with its values.</summary>
    /// <param name="packed">[n, stride] row-major, of which columns 0..count−1 are neurons first..first+count−1 of every row.</param>
    /// <param name="n">Rows.</param>
    /// <param name="stride">Floats from one row of the block to the next (≥ count).</param>
    /// <param name="first">The block's first neuron.</param>
    /// <param name="count">Neurons in the block (≤ <see cref="Width"/>).</param>
    public delegate void BlockAction(ReadOnlySpan<float> packed, int n, int stride, int first, int count);

    [ThreadStatic] private static float[]? buffer;

    /// <summary>Packs and visits every block of <paramref name="rows"/> on up to <see cref="Parallelism.Threads"/> threads.</summary>
    /// <param name="rows">[n, width], row-major.</param>
    /// <param name="width">Neurons per row.</param>
    /// <param name="action">Run once per block, possibly on several threads at once, each block by one thread.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ForEach(ReadOnlySpan<float> rows, int width, BlockAction action)
    {
        int n = rows.Length / width;
        if (n == 0) return;
        int panelWidth = Math.Clamp(PanelFloats / n / Width * Width, Width, PanelWidth);
        fixed (float* p = rows)
        {
            nint address = (nint)p;
            Parallelism.For((width + panelWidth - 1) / panelWidth, panel =>
            {
                var all = new ReadOnlySpan<float>((void*)address, n * width);
                int start = panel * panelWidth, stride = Math.Min(panelWidth, width - start);
                if (buffer is null || buffer.Length < n * panelWidth) buffer = new float[Math.Max(n * panelWidth, PanelFloats)];
                var packed = buffer.AsSpan(0, n * stride);
                for (int r = 0; r < n; r++) all.Slice(r * width + start, stride).CopyTo(packed.Slice(r * stride, stride));
                for (int first = start; first < start + stride; first += Width)
                {
                    int count = Math.Min(Width, start + stride - first);
                    action(packed[(first - start)..], n, stride, first, count);
                }
            });
        }
    }
}
