namespace Interrogate.Kernels;

/// <summary>
/// The geometry of a 2D convolution or pooling window: input planes [C, H, W], a kH × kW window
/// moved by <see cref="Stride"/> over the input zero-padded by <see cref="Padding"/> on every side.
/// Output side: (H + 2·pad − kH) / stride + 1 (floor), as PyTorch.
/// </summary>
public readonly record struct ConvGeometry(int Channels, int Height, int Width, int KernelH, int KernelW, int Stride, int Padding)
{
    public int OutHeight => (Height + 2 * Padding - KernelH) / Stride + 1;
    public int OutWidth => (Width + 2 * Padding - KernelW) / Stride + 1;
    /// <summary>Output positions per image (P).</summary>
    public int Positions => OutHeight * OutWidth;
    /// <summary>Rows of the column matrix (K = C·kH·kW), one per weight of a filter.</summary>
    public int PatchSize => Channels * KernelH * KernelW;
    /// <summary>Elements of one input image (C·H·W).</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>The output columns [lo, hi) whose window column kj lands inside the image (the rest read padding).</summary>
    public (int Lo, int Hi) ValidColumns(int kj)
    {
        // Input column of output column ow is ow·stride − pad + kj; it must lie in [0, W).
        int lo = Math.Max(0, CeilDiv(Padding - kj, Stride));
        int hi = Math.Min(OutWidth, CeilDiv(Width + Padding - kj, Stride));
        return (lo, Math.Max(lo, hi));
    }

    private static int CeilDiv(int a, int b) => a <= 0 ? -(-a / b) : (a + b - 1) / b;
}

/// <summary>
/// Unfolds images into the column matrix of a convolution and folds gradients back. One image
/// fills a [K, P] block of a column matrix with leading dimension ld (several images sit side by
/// side, each at its own column offset), so that a whole batch becomes one GEMM:
/// Y[O, n·P] = W[O, K] · cols[K, n·P]. Row k = (c, ki, kj) holds, for every output position
/// (oh, ow), the input pixel x[c, oh·stride − pad + ki, ow·stride − pad + kj] (0 in the padding).
/// </summary>
public static class Im2Col
{
    /// <summary>
    /// image [C, H, W] → cols[k·ld + column + p] for k in [0, K), p in [0, P).
    /// </summary>
    public static void Unfold(ReadOnlySpan<float> image, in ConvGeometry g, Span<float> cols, int ld, int column)
    {
        int oh = g.OutHeight, ow = g.OutWidth, s = g.Stride;
        for (int c = 0, k = 0; c < g.Channels; c++)
            for (int ki = 0; ki < g.KernelH; ki++)
                for (int kj = 0; kj < g.KernelW; kj++, k++)
                {
                    var row = cols.Slice(k * ld + column, oh * ow);
                    var (lo, hi) = g.ValidColumns(kj);
                    for (int y = 0; y < oh; y++)
                    {
                        var dst = row.Slice(y * ow, ow);
                        int ih = y * s - g.Padding + ki;
                        if ((uint)ih >= (uint)g.Height || lo == hi) { dst.Clear(); continue; }
                        dst[..lo].Clear();
                        dst[hi..].Clear();
                        var src = image.Slice((c * g.Height + ih) * g.Width, g.Width);
                        int iw = lo * s - g.Padding + kj;
                        if (s == 1) src.Slice(iw, hi - lo).CopyTo(dst[lo..hi]);
                        else for (int x = lo; x < hi; x++, iw += s) dst[x] = src[iw];
                    }
                }
    }

    /// <summary>
    /// The adjoint of <see cref="Unfold"/>: adds cols[k·ld + column + p] into the input-gradient
    /// image [C, H, W] at the pixel each entry was read from (padding entries are dropped).
    /// </summary>
    public static void FoldAdd(ReadOnlySpan<float> cols, int ld, int column, in ConvGeometry g, Span<float> image)
    {
        int oh = g.OutHeight, ow = g.OutWidth, s = g.Stride;
        for (int c = 0, k = 0; c < g.Channels; c++)
            for (int ki = 0; ki < g.KernelH; ki++)
                for (int kj = 0; kj < g.KernelW; kj++, k++)
                {
                    var row = cols.Slice(k * ld + column, oh * ow);
                    var (lo, hi) = g.ValidColumns(kj);
                    if (lo == hi) continue;
                    for (int y = 0; y < oh; y++)
                    {
                        int ih = y * s - g.Padding + ki;
                        if ((uint)ih >= (uint)g.Height) continue;
                        var src = row.Slice(y * ow, ow);
                        var dst = image.Slice((c * g.Height + ih) * g.Width, g.Width);
                        int iw = lo * s - g.Padding + kj;
                        if (s == 1)
                        {
                            var d = dst.Slice(iw, hi - lo);
                            System.Numerics.Tensors.TensorPrimitives.Add(d, src[lo..hi], d);
                        }
                        else for (int x = lo; x < hi; x++, iw += s) dst[iw] += src[x];
                    }
                }
    }
}
