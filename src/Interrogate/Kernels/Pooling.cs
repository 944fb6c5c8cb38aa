namespace Interrogate.Kernels;

/// <summary>
/// Max and average pooling of one plane [H, W] to [H', W'] with a kH × kW window and a stride
/// (the geometry's channel count and padding are ignored: pooling here never pads, as PyTorch's
/// default). Backward rules add into the plane's gradient.
/// </summary>
public static class Pooling
{
    /// <summary>
    /// y[oh, ow] = max of the window; argmax[oh, ow] = the flat index in the plane of the first
    /// maximum (NaN counts as a maximum, so it propagates as in PyTorch).
    /// </summary>
    public static void MaxForward(ReadOnlySpan<float> plane, in ConvGeometry g, Span<float> y, Span<int> argmax)
    {
        int ow = g.OutWidth;
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                int top = oy * g.Stride, left = ox * g.Stride;
                int best = top * g.Width + left;
                float max = plane[best];
                for (int i = 0; i < g.KernelH && !float.IsNaN(max); i++)
                {
                    var row = plane.Slice((top + i) * g.Width + left, g.KernelW);
                    for (int j = 0; j < row.Length; j++)
                        if (row[j] > max || float.IsNaN(row[j])) { max = row[j]; best = (top + i) * g.Width + left + j; if (float.IsNaN(max)) break; }
                }
                y[oy * ow + ox] = max;
                argmax[oy * ow + ox] = best;
            }
    }

    /// <summary>
    /// <see cref="MaxForward"/> for the common 2 × 2 window with stride 2, unrolled (same results,
    /// NaN included, ties to the first element in row-major order).
    /// </summary>
    public static void MaxForward2x2(ReadOnlySpan<float> plane, int height, int width, Span<float> y, Span<int> argmax)
    {
        int oh = height / 2, ow = width / 2;
        if (plane.Length < height * width || y.Length < oh * ow || argmax.Length < oh * ow)
            throw new ArgumentException($"MaxForward2x2: buffers too small for a {height}×{width} plane");
        for (int oy = 0; oy < oh; oy++)
        {
            int top = 2 * oy * width, at = oy * ow;
            for (int ox = 0; ox < ow; ox++, at++)
            {
                int best = top + 2 * ox;
                float max = plane[best];
                if (!float.IsNaN(max))
                {
                    // Candidates in window order; a strictly larger value or a NaN takes over, a NaN stops the search.
                    int i1 = best + 1, i2 = best + width, i3 = i2 + 1;
                    float v1 = plane[i1], v2 = plane[i2], v3 = plane[i3];
                    if (v1 > max || float.IsNaN(v1)) { max = v1; best = i1; }
                    if (!float.IsNaN(max) && (v2 > max || float.IsNaN(v2))) { max = v2; best = i2; }
                    if (!float.IsNaN(max) && (v3 > max || float.IsNaN(v3))) { max = v3; best = i3; }
                }
                y[at] = max;
                argmax[at] = best;
            }
        }
    }

    /// <summary>gradPlane[argmax[i]] += gy[i]: the gradient goes to the element that was the maximum.</summary>
    public static void MaxBackwardAdd(ReadOnlySpan<float> gy, ReadOnlySpan<int> argmax, Span<float> gradPlane)
    {
        for (int i = 0; i < gy.Length; i++) gradPlane[argmax[i]] += gy[i];
    }

    /// <summary>y[oh, ow] = mean of the window.</summary>
    public static void AvgForward(ReadOnlySpan<float> plane, in ConvGeometry g, Span<float> y)
    {
        int ow = g.OutWidth;
        float scale = 1f / (g.KernelH * g.KernelW);
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                int top = oy * g.Stride, left = ox * g.Stride;
                float sum = 0f;
                for (int i = 0; i < g.KernelH; i++)
                    sum += System.Numerics.Tensors.TensorPrimitives.Sum(plane.Slice((top + i) * g.Width + left, g.KernelW));
                y[oy * ow + ox] = sum * scale;
            }
    }

    /// <summary>Spreads each output gradient evenly over its window: gradPlane[window] += gy / (kH·kW).</summary>
    public static void AvgBackwardAdd(ReadOnlySpan<float> gy, in ConvGeometry g, Span<float> gradPlane)
    {
        int ow = g.OutWidth;
        float scale = 1f / (g.KernelH * g.KernelW);
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                float share = gy[oy * ow + ox] * scale;
                int top = oy * g.Stride, left = ox * g.Stride;
                for (int i = 0; i < g.KernelH; i++)
                {
                    var row = gradPlane.Slice((top + i) * g.Width + left, g.KernelW);
                    System.Numerics.Tensors.TensorPrimitives.Add(row, share, row);
                }
            }
    }
}
