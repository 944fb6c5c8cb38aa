using Interrogate.Tensors;

namespace Interrogate.Training.Tricks;

/// <summary>
/// Random translation of each image by up to ±maxShift pixels in x and y, the gap filled with 0
/// (background for digits). Applied to each batch as it is drawn, so every epoch sees new shifts.
/// </summary>
public static class ShiftAugmentation
{
    /// <summary>batch: [n, height·width] row-major images, shifted in place.</summary>
    public static void Apply(Tensor batch, int width, int height, int maxShift, TensorRandom rng)
    {
        if (maxShift <= 0) return;
        int features = width * height;
        var data = batch.Span;
        var copy = new float[features];
        for (int b = 0; b < data.Length / features; b++)
        {
            var image = data.Slice(b * features, features);
            int dx = rng.NextInt(2 * maxShift + 1) - maxShift, dy = rng.NextInt(2 * maxShift + 1) - maxShift;
            Shift(image, copy, width, height, dx, dy);
        }
    }

    /// <summary>Moves an image by (dx, dy): pixel (x, y) goes to (x + dx, y + dy). scratch: [features].</summary>
    public static void Shift(Span<float> image, float[] scratch, int width, int height, int dx, int dy)
    {
        image.CopyTo(scratch);
        image.Clear();
        for (int y = Math.Max(0, dy); y < Math.Min(height, height + dy); y++)
        {
            int sourceRow = (y - dy) * width;
            for (int x = Math.Max(0, dx); x < Math.Min(width, width + dx); x++)
                image[y * width + x] = scratch[sourceRow + x - dx];
        }
    }
}
