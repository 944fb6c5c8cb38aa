using System.Buffers;
using System.Numerics.Tensors;
using Interrogate.Kernels;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// 2D convolution as im2col + one GEMM per chunk of images: the chunk's patches are unfolded side
// by side into cols [K, n·P] (in parallel over images), so Y = W·cols, dW = dY·colsᵀ and
// dcols = Wᵀ·dY are each a single large, well-shaped product that Gemm parallelises itself.
// The column buffer is pooled and bounded; backward unfolds again instead of keeping it alive.
public static partial class Ops
{
    // Floats of one pooled column buffer (8 MiB): a chunk holds as many images as fit.
    private const int ConvColumnBudget = 1 << 21;

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
        var y = Tensor.Zeros(batch, outC, g.OutHeight, g.OutWidth);
        var bc = bias?.ContiguousData();
        ForConvChunks(batch, k * p, outC * p, (b0, n, cols, scratch) =>
        {
            UnfoldChunk(xc, g, b0, n, cols);
            // scratch [O, n·P] = W [O, K] · cols [K, n·P]
            Gemm.Multiply(false, false, outC, n * p, k, 1f, wc.Span, k, cols, n * p, 0f, scratch, n * p);
            for (int i = 0; i < n; i++)
                for (int o = 0; o < outC; o++)
                {
                    var dst = y.Storage.AsSpan(((b0 + i) * outC + o) * p, p);
                    var src = scratch.AsSpan(o * n * p + i * p, p);
                    if (bc is null) src.CopyTo(dst);
                    else TensorPrimitives.Add(src, bc.Storage[bc.Offset + o], dst);
                }
        });
        if (GradientTape.ShouldRecord([x, weight, bias ?? weight]))
            GradientTape.Record(y, gy => Conv2dBackward(gy.ContiguousData(), x, xc, weight, wc, bias, g));
        return y;
    }

    private static void Conv2dBackward(Tensor gy, Tensor x, Tensor xc, Tensor weight, Tensor wc, Tensor? bias, ConvGeometry g)
    {
        int batch = x.Shape[0], outC = weight.Shape[0], k = g.PatchSize, p = g.Positions;
        if (bias is not null && bias.RequiresGrad)
        {
            var gb = bias.GradSpan();
            for (int b = 0; b < batch; b++)
                for (int o = 0; o < outC; o++) gb[o] += TensorPrimitives.Sum(gy.Storage.AsSpan(gy.Offset + (b * outC + o) * p, p));
        }
        if (!x.RequiresGrad && !weight.RequiresGrad) return;
        ForConvChunks(batch, k * p, outC * p, (b0, n, cols, gyc) =>
        {
            // gyc [O, n·P]: the chunk's output gradient with images side by side, as in forward.
            for (int i = 0; i < n; i++)
                for (int o = 0; o < outC; o++)
                    gy.Storage.AsSpan(gy.Offset + ((b0 + i) * outC + o) * p, p).CopyTo(gyc.AsSpan(o * n * p + i * p, p));
            if (weight.RequiresGrad)
            {
                UnfoldChunk(xc, g, b0, n, cols);
                // dW [O, K] += gyc [O, n·P] · colsᵀ [n·P, K]
                Gemm.Multiply(false, true, outC, k, n * p, 1f, gyc, n * p, cols, n * p, 1f, weight.GradSpan(), k);
            }
            if (x.RequiresGrad)
            {
                // dcols [K, n·P] = Wᵀ [K, O] · gyc [O, n·P], then folded back onto the images.
                Gemm.Multiply(true, false, k, n * p, outC, 1f, wc.Span, k, gyc, n * p, 0f, cols, n * p);
                x.GradSpan();
                var gx = x.Grad!.Storage;
                ForRanges(n, (i0, i1) =>
                {
                    for (int i = i0; i < i1; i++)
                        Im2Col.FoldAdd(cols.AsSpan(0, k * n * p), n * p, i * p, g, gx.AsSpan((b0 + i) * g.ImageSize, g.ImageSize));
                });
            }
        });
    }

    /// <summary>Unfolds images b0 .. b0+n−1 of x (contiguous [B, C, H, W]) into cols [K, n·P], in parallel over images.</summary>
    private static void UnfoldChunk(Tensor xc, ConvGeometry g, int b0, int n, float[] cols)
    {
        int ld = n * g.Positions;
        ForRanges(n, (i0, i1) =>
        {
            for (int i = i0; i < i1; i++)
                Im2Col.Unfold(xc.Storage.AsSpan(xc.Offset + (b0 + i) * g.ImageSize, g.ImageSize), g,
                    cols.AsSpan(0, g.PatchSize * ld), ld, i * g.Positions);
        });
    }

    /// <summary>
    /// Calls body(firstImage, count, cols, scratch) over chunks of the batch, each with pooled
    /// buffers of at least count·colsPerImage and count·scratchPerImage floats.
    /// </summary>
    private static void ForConvChunks(int batch, int colsPerImage, int scratchPerImage, Action<int, int, float[], float[]> body)
    {
        if (batch == 0) return;
        int chunk = Math.Clamp(ConvColumnBudget / Math.Max(colsPerImage, 1), 1, batch);
        var cols = ArrayPool<float>.Shared.Rent(chunk * colsPerImage);
        var scratch = ArrayPool<float>.Shared.Rent(chunk * scratchPerImage);
        try
        {
            for (int b0 = 0; b0 < batch; b0 += chunk) body(b0, Math.Min(chunk, batch - b0), cols, scratch);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(cols);
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

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
