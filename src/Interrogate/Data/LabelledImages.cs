using Interrogate.Tensors;

namespace Interrogate.Data;

/// <summary>
/// A set of labelled, flattened images: Pixels [count, width·height] in [0, 1], Labels [count].
/// </summary>
public sealed class LabelledImages(float[] pixels, int[] labels, int width, int height, int classes)
{
    public float[] Pixels { get; } = pixels;
    public int[] Labels { get; } = labels;
    public int Width { get; } = width;
    public int Height { get; } = height;
    public int Classes { get; } = classes;
    public int Count => Labels.Length;
    public int Features => Width * Height;

    public ReadOnlySpan<float> Image(int i) => Pixels.AsSpan(i * Features, Features);

    /// <summary>The images at the given indices as a batch tensor [n, features] and their labels.</summary>
    public (Tensor X, int[] Y) Batch(ReadOnlySpan<int> indices)
    {
        var x = Tensor.Zeros(indices.Length, Features);
        var y = new int[indices.Length];
        var xs = x.Span;
        for (int b = 0; b < indices.Length; b++)
        {
            Image(indices[b]).CopyTo(xs.Slice(b * Features, Features));
            y[b] = Labels[indices[b]];
        }
        return (x, y);
    }

    /// <summary>A subset, in the given order.</summary>
    public LabelledImages Subset(ReadOnlySpan<int> indices)
    {
        var (x, y) = Batch(indices);
        return new LabelledImages(x.Span.ToArray(), y, Width, Height, Classes);
    }
}
