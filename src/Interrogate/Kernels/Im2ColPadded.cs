using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Interrogate.Kernels;

/// <summary>
/// The fast path of <see cref="Im2Col"/> for stride 1: the image is first copied into a zero-padded
/// plane stack [C, H + 2·pad, W + 2·pad], after which every row of the column matrix is, output
/// row by output row, a plain copy of OutWidth consecutive floats, with no bounds logic; those short
/// copies are done with 8-wide vector loads and stores. Fold adds back into a padded gradient
/// (small enough for L1) that is then cropped onto the image. Same results as <see cref="Im2Col"/>,
/// which stays the reference the tests compare against.
/// </summary>
public static unsafe class Im2ColPadded
{
    /// <summary>Floats of the padded plane stack: C · (H + 2·pad) · (W + 2·pad).</summary>
    public static int PaddedSize(in ConvGeometry g) => g.Channels * (g.Height + 2 * g.Padding) * (g.Width + 2 * g.Padding);

    /// <summary>Whether this path applies (stride 1; any padding, kernel and image size).</summary>
    public static bool Supports(in ConvGeometry g) => g.Stride == 1;

    /// <summary>
    /// image [C, H, W] → cols [K, P] (leading dimension P), as <see cref="Im2Col.Unfold"/> with
    /// ld = P and column 0. padded: scratch of at least <see cref="PaddedSize"/> floats.
    /// </summary>
    public static void Unfold(ReadOnlySpan<float> image, in ConvGeometry g, Span<float> padded, Span<float> cols)
    {
        Check(g, image.Length, padded.Length, cols.Length);
        Pad(image, g, padded);
        int hp = g.Height + 2 * g.Padding, wp = g.Width + 2 * g.Padding, oh = g.OutHeight, ow = g.OutWidth, p = g.Positions;
        fixed (float* pp = padded, pc = cols)
        {
            float* dst = pc;
            for (int c = 0; c < g.Channels; c++)
                for (int ki = 0; ki < g.KernelH; ki++)
                    for (int kj = 0; kj < g.KernelW; kj++, dst += p)
                    {
                        float* src = pp + (c * hp + ki) * wp + kj;
                        for (int y = 0; y < oh; y++) CopyRow(src + y * wp, dst + y * ow, ow);
                    }
        }
    }

    /// <summary>
    /// Adds cols [K, P] (leading dimension P) into the image gradient [C, H, W], as
    /// <see cref="Im2Col.FoldAdd"/>. padded: scratch of at least <see cref="PaddedSize"/> floats.
    /// </summary>
    public static void FoldAdd(ReadOnlySpan<float> cols, in ConvGeometry g, Span<float> padded, Span<float> image)
    {
        Check(g, image.Length, padded.Length, cols.Length);
        int hp = g.Height + 2 * g.Padding, wp = g.Width + 2 * g.Padding, oh = g.OutHeight, ow = g.OutWidth, p = g.Positions;
        padded[..PaddedSize(g)].Clear();
        fixed (float* pp = padded, pc = cols)
        {
            float* src = pc;
            for (int c = 0; c < g.Channels; c++)
                for (int ki = 0; ki < g.KernelH; ki++)
                    for (int kj = 0; kj < g.KernelW; kj++, src += p)
                    {
                        float* dst = pp + (c * hp + ki) * wp + kj;
                        for (int y = 0; y < oh; y++) AddRow(src + y * ow, dst + y * wp, ow);
                    }
        }
        // Crop: the padding's gradient belongs to no pixel.
        for (int c = 0; c < g.Channels; c++)
            for (int y = 0; y < g.Height; y++)
            {
                var row = image.Slice((c * g.Height + y) * g.Width, g.Width);
                System.Numerics.Tensors.TensorPrimitives.Add(row, padded.Slice((c * hp + y + g.Padding) * wp + g.Padding, g.Width), row);
            }
    }

    /// <summary>padded [C, H + 2·pad, W + 2·pad] = image [C, H, W] surrounded by zeros.</summary>
    private static void Pad(ReadOnlySpan<float> image, in ConvGeometry g, Span<float> padded)
    {
        int hp = g.Height + 2 * g.Padding, wp = g.Width + 2 * g.Padding;
        if (g.Padding == 0) { image[..g.ImageSize].CopyTo(padded); return; }
        padded[..PaddedSize(g)].Clear();
        for (int c = 0; c < g.Channels; c++)
            for (int y = 0; y < g.Height; y++)
                image.Slice((c * g.Height + y) * g.Width, g.Width).CopyTo(padded.Slice((c * hp + y + g.Padding) * wp + g.Padding));
    }

    // n floats from src to dst; for n ≥ 8 the last vector overlaps the one before it (same values).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(float* src, float* dst, int n)
    {
        if (n >= 8 && Vector256.IsHardwareAccelerated)
        {
            int j = 0;
            for (; j + 8 <= n; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
            if (j < n) Vector256.Store(Vector256.Load(src + n - 8), dst + n - 8);
            return;
        }
        for (int j = 0; j < n; j++) dst[j] = src[j];
    }

    // dst[0..n) += src[0..n).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(float* src, float* dst, int n)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j + 8 <= n; j += 8) Vector256.Store(Vector256.Load(dst + j) + Vector256.Load(src + j), dst + j);
        for (; j < n; j++) dst[j] += src[j];
    }

    private static void Check(in ConvGeometry g, int imageLength, int paddedLength, int colsLength)
    {
        if (g.Stride != 1) throw new ArgumentException($"Im2ColPadded needs stride 1, got {g.Stride}");
        if (imageLength < g.ImageSize || paddedLength < PaddedSize(g) || colsLength < g.PatchSize * g.Positions)
            throw new ArgumentException($"Im2ColPadded: buffers too small for {g} (image {imageLength}, padded {paddedLength}, cols {colsLength})");
    }
}
