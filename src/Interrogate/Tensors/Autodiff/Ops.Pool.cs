using Interrogate.Kernels;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// Pooling over the last two axes, plane by plane (B·C planes, split across threads). Max pooling
// remembers the arg-max of each window so its backward is a scatter, not a second search.
public static partial class Ops
{
    /// <summary>
    /// Maximum over kernel × kernel windows moved by stride (default: kernel, i.e. non-overlapping),
    /// no padding, floor mode. x: [B, C, H, W]; result: [B, C, (H − kernel) / stride + 1, (W − kernel) / stride + 1].
    /// The gradient of each output goes to the (first) element that was the maximum.
    /// </summary>
    public static Tensor MaxPool2d(this Tensor x, int kernel, int stride = 0)
    {
        var (g, planes) = PoolGeometryOf(x, kernel, stride, "MaxPool2d");
        var xc = x.ContiguousData();
        var y = Tensor.Zeros(x.Shape[0], x.Shape[1], g.OutHeight, g.OutWidth);
        int inSize = g.Height * g.Width, outSize = g.Positions;
        var argmax = new int[planes * outSize];
        ForRanges(planes, (p0, p1) =>
        {
            bool twoByTwo = g.KernelH == 2 && g.Stride == 2;
            for (int p = p0; p < p1; p++)
            {
                var plane = xc.Storage.AsSpan(xc.Offset + p * inSize, inSize);
                var yp = y.Storage.AsSpan(p * outSize, outSize);
                var ap = argmax.AsSpan(p * outSize, outSize);
                if (twoByTwo) Pooling.MaxForward2x2(plane, g.Height, g.Width, yp, ap);
                else Pooling.MaxForward(plane, g, yp, ap);
            }
        });
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, gy =>
            {
                var gc = gy.ContiguousData();
                x.GradSpan();
                var gx = x.Grad!.Storage;
                ForRanges(planes, (p0, p1) =>
                {
                    for (int p = p0; p < p1; p++)
                        Pooling.MaxBackwardAdd(gc.Storage.AsSpan(gc.Offset + p * outSize, outSize),
                            argmax.AsSpan(p * outSize, outSize), gx.AsSpan(p * inSize, inSize));
                });
            });
        return y;
    }

    /// <summary>
    /// Mean over kernel × kernel windows moved by stride (default: kernel), no padding, floor mode.
    /// x: [B, C, H, W]; result: [B, C, (H − kernel) / stride + 1, (W − kernel) / stride + 1].
    /// </summary>
    public static Tensor AvgPool2d(this Tensor x, int kernel, int stride = 0)
    {
        var (g, planes) = PoolGeometryOf(x, kernel, stride, "AvgPool2d");
        var xc = x.ContiguousData();
        var y = Tensor.Zeros(x.Shape[0], x.Shape[1], g.OutHeight, g.OutWidth);
        int inSize = g.Height * g.Width, outSize = g.Positions;
        ForRanges(planes, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
                Pooling.AvgForward(xc.Storage.AsSpan(xc.Offset + p * inSize, inSize), g, y.Storage.AsSpan(p * outSize, outSize));
        });
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, gy =>
            {
                var gc = gy.ContiguousData();
                x.GradSpan();
                var gx = x.Grad!.Storage;
                ForRanges(planes, (p0, p1) =>
                {
                    for (int p = p0; p < p1; p++)
                        Pooling.AvgBackwardAdd(gc.Storage.AsSpan(gc.Offset + p * outSize, outSize), g, gx.AsSpan(p * inSize, inSize));
                });
            });
        return y;
    }

    private static (ConvGeometry Geometry, int Planes) PoolGeometryOf(Tensor x, int kernel, int stride, string op)
    {
        if (x.Rank != 4) throw new ArgumentException($"{op} input {x.Describe()} must be [B, C, H, W]");
        if (stride == 0) stride = kernel;
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        if (kernel > x.Shape[2] || kernel > x.Shape[3])
            throw new ArgumentException($"{op} window {kernel}×{kernel} is larger than input {x.Describe()}");
        return (new ConvGeometry(1, x.Shape[2], x.Shape[3], kernel, kernel, stride, 0), x.Shape[0] * x.Shape[1]);
    }
}
