using System.Buffers;
using System.Numerics.Tensors;
using Interrogate.Kernels;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// 2D convolution as im2col + GEMM, image by image: each thread takes a contiguous range of the
// batch and, per image, unfolds it into its own column buffer cols [K, P] (small enough to stay in
// L2) and multiplies straight into the image's output Y_i [O, P] = W [O, K] · cols [K, P] (bias
// pre-filled, beta = 1): no shared scratch, no copies, no locks. Backward does the same per image
// on the output gradient, which is already laid out [O, P] per image: dW += dY_i · colsᵀ into a
// per-thread accumulator (summed once at the end), dcols = Wᵀ · dY_i folded back onto the image.
// Columns are unfolded again in backward rather than kept (a batch's columns are K·P floats per
// image, 25× the input for a 5×5 kernel).
public static partial class Ops
{
    /// <summary>
    /// Cross-correlation (PyTorch's conv2d, groups = 1, dilation = 1) of a batch of images.
    /// x: [B, C, H, W]; weight: [O, C, kH, kW]; bias: [O] or null. Result: [B, O, H', W'] with
    /// H' = (H + 2·padding − kH) / stride + 1 (floor), likewise W'.
    /// </summary>
    public static Tensor Conv2d(this Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0)
    {
        var g = ConvGeometryOf(x, weight, bias, stride, padding);
        int batch = x.Shape[0], outC = weight.Shape[0], k = g.PatchSize, p = g.Positions;
        var xc = x.ContiguousData();
        var wc = weight.ContiguousData();
        var bc = bias?.ContiguousData();
        var y = Tensor.Zeros(batch, outC, g.OutHeight, g.OutWidth);
        ForImageRanges(batch, (_, i0, i1, gemmThreads) =>
        {
            var cols = ArrayPool<float>.Shared.Rent(k * p);
            var padded = ArrayPool<float>.Shared.Rent(Im2ColPadded.PaddedSize(g));
            try
            {
                for (int i = i0; i < i1; i++)
                {
                    var yi = y.Storage.AsSpan(i * outC * p, outC * p);
                    if (bc is not null)
                        for (int o = 0; o < outC; o++) yi.Slice(o * p, p).Fill(bc.Storage[bc.Offset + o]);
                    UnfoldImage(xc, i, g, padded, cols);
                    // Y_i [O, P] (+)= W [O, K] · cols [K, P]
                    Gemm.MultiplyOnThreads(gemmThreads, false, false, outC, p, k, 1f, wc.Span, k, cols, p, bc is null ? 0f : 1f, yi, p);
                }
            }
            finally { ReturnAll(cols, padded); }
        });
        if (GradientTape.ShouldRecord([x, weight, bias ?? weight]))
            GradientTape.Record(y, gy => Conv2dBackward(gy.ContiguousData(), x, xc, weight, wc, bias, g));
        return y;
    }

    private static void Conv2dBackward(Tensor gy, Tensor x, Tensor xc, Tensor weight, Tensor wc, Tensor? bias, ConvGeometry g)
    {
        int batch = x.Shape[0], outC = weight.Shape[0], k = g.PatchSize, p = g.Positions;
        var gys = gy.Storage.AsSpan(gy.Offset, batch * outC * p);
        if (bias is not null && bias.RequiresGrad)
        {
            var gb = bias.GradSpan();
            for (int b = 0; b < batch; b++)
                for (int o = 0; o < outC; o++) gb[o] += TensorPrimitives.Sum(gys.Slice((b * outC + o) * p, p));
        }
        bool needW = weight.RequiresGrad, needX = x.RequiresGrad;
        if (!needW && !needX) return;
        float[]? gx = null;
        if (needX) { x.GradSpan(); gx = x.Grad!.Storage; }
        // One dW accumulator per range, summed in range order: repeatable for a given thread count.
        var partials = new float[ImageRangeCount(batch)][];
        ForImageRanges(batch, (part, i0, i1, gemmThreads) =>
        {
            var cols = ArrayPool<float>.Shared.Rent(k * p);
            var padded = ArrayPool<float>.Shared.Rent(Im2ColPadded.PaddedSize(g));
            float[]? dw = null;
            if (needW) { dw = ArrayPool<float>.Shared.Rent(outC * k); Array.Clear(dw, 0, outC * k); }
            try
            {
                for (int i = i0; i < i1; i++)
                {
                    var gyi = gy.Storage.AsSpan(gy.Offset + i * outC * p, outC * p);
                    if (needW)
                    {
                        UnfoldImage(xc, i, g, padded, cols);
                        // dW [O, K] += dY_i [O, P] · colsᵀ [P, K]
                        Gemm.MultiplyOnThreads(gemmThreads, false, true, outC, k, p, 1f, gyi, p, cols, p, 1f, dw, k);
                    }
                    if (needX)
                    {
                        // dcols [K, P] = Wᵀ [K, O] · dY_i [O, P], then folded back onto image i.
                        Gemm.MultiplyOnThreads(gemmThreads, true, false, k, p, outC, 1f, wc.Span, k, gyi, p, 0f, cols, p);
                        var gxi = gx.AsSpan(i * g.ImageSize, g.ImageSize);
                        if (Im2ColPadded.Supports(g)) Im2ColPadded.FoldAdd(cols, g, padded, gxi);
                        else Im2Col.FoldAdd(cols, p, 0, g, gxi);
                    }
                }
                if (dw is not null) partials[part] = dw;
            }
            finally { ReturnAll(cols, padded); }
        });
        if (!needW) return;
        var gw = weight.GradSpan();
        foreach (var dw in partials)
        {
            TensorPrimitives.Add(gw, dw.AsSpan(0, outC * k), gw);
            ArrayPool<float>.Shared.Return(dw);
        }
    }

    /// <summary>Image i of x (contiguous [B, C, H, W]) → cols [K, P]; padded is scratch for the stride-1 path.</summary>
    private static void UnfoldImage(Tensor xc, int i, in ConvGeometry g, float[] padded, float[] cols)
    {
        var image = xc.Storage.AsSpan(xc.Offset + i * g.ImageSize, g.ImageSize);
        if (Im2ColPadded.Supports(g)) Im2ColPadded.Unfold(image, g, padded, cols);
        else Im2Col.Unfold(image, g, cols, g.Positions, 0);
    }

    private static void ReturnAll(float[] first, float[] second)
    {
        ArrayPool<float>.Shared.Return(first);
        ArrayPool<float>.Shared.Return(second);
    }

    /// <summary>
    /// Splits a batch into <see cref="ImageRangeCount"/> contiguous ranges of images, one per thread,
    /// and runs body(range, first, end, gemmThreads) on each; with fewer images than threads, each
    /// image's GEMMs get the spare threads.
    /// </summary>
    private static void ForImageRanges(int batch, Action<int, int, int, int> body)
    {
        int parts = ImageRangeCount(batch);
        if (parts == 0) return;
        int gemmThreads = Math.Max(1, Parallelism.Threads / parts);
        if (parts == 1) { body(0, 0, batch, gemmThreads); return; }
        Parallelism.For(parts, part => body(part, batch * part / parts, batch * (part + 1) / parts, gemmThreads));
    }

    private static int ImageRangeCount(int batch) => Math.Min(batch, Parallelism.Threads);

    /// <summary>Splits [0, n) into one contiguous range per thread and runs body(start, end) on each.</summary>
    private static void ForRanges(int n, Action<int, int> body)
    {
        int parts = Math.Min(n, Parallelism.Threads);
        if (parts <= 1) { body(0, n); return; }
        Parallelism.For(parts, part => body(n * part / parts, n * (part + 1) / parts));
    }

    private static ConvGeometry ConvGeometryOf(Tensor x, Tensor weight, Tensor? bias, int stride, int padding)
    {
        if (x.Rank != 4) throw new ArgumentException($"Conv2d input {x.Describe()} must be [B, C, H, W]");
        if (weight.Rank != 4 || weight.Shape[1] != x.Shape[1])
            throw new ArgumentException($"Conv2d weight {weight.Describe()} does not match input {x.Describe()}; expected [O, {x.Shape[1]}, kH, kW]");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0]))
            throw new ArgumentException($"Conv2d bias {bias.Describe()} does not match weight {weight.Describe()}; expected [{weight.Shape[0]}]");
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        var g = new ConvGeometry(x.Shape[1], x.Shape[2], x.Shape[3], weight.Shape[2], weight.Shape[3], stride, padding);
        if (g.KernelH < 1 || g.KernelW < 1 || g.Height + 2 * padding < g.KernelH || g.Width + 2 * padding < g.KernelW)
            throw new ArgumentException($"Conv2d kernel {weight.Shape[2]}×{weight.Shape[3]} does not fit input {x.Describe()} padded by {padding}");
        return g;
    }
}
