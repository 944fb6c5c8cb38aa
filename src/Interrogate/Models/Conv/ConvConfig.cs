namespace Interrogate.Models.Conv;

/// <summary>
/// Shape of a conv-net classifier; stored as config.json beside model.safetensors. Each entry of
/// <see cref="Channels"/> is one stage conv(k×k, "same" padding) → activation → max-pool; then the
/// flattened maps go through hidden linear layers of <see cref="HiddenSizes"/> and a linear head.
/// Inputs arrive flattened ([B, C·H·W], row-major) and are viewed as [B, C, H, W].
/// </summary>
public sealed record ConvConfig
{
    public const string ModelType = "interrogate-conv";

    public int ImageChannels { get; init; } = 1;
    public int ImageHeight { get; init; } = 28;
    public int ImageWidth { get; init; } = 28;
    public int[] Channels { get; init; } = [16, 32];
    public int KernelSize { get; init; } = 5;
    /// <summary>Side of the max-pool window (and its stride) after each conv; 1 disables pooling.</summary>
    public int PoolSize { get; init; } = 2;
    public int[] HiddenSizes { get; init; } = [128];
    public int NumClasses { get; init; } = 10;
    public string Activation { get; init; } = "relu";

    /// <summary>Input features per image (C·H·W).</summary>
    public int InputSize => ImageChannels * ImageHeight * ImageWidth;

    /// <summary>Zero padding of each conv: k/2, so odd kernels keep the map's size.</summary>
    public int Padding => KernelSize / 2;

    /// <summary>
    /// Height and width of the feature maps after each stage (conv then pool), or an error message
    /// when a stage would shrink them below one pixel.
    /// </summary>
    public (int Height, int Width)[] MapSizes(out string? error)
    {
        var sizes = new (int, int)[Channels.Length];
        int h = ImageHeight, w = ImageWidth;
        error = null;
        for (int i = 0; i < Channels.Length; i++)
        {
            h += 2 * Padding - KernelSize + 1;
            w += 2 * Padding - KernelSize + 1;
            if (h < PoolSize || w < PoolSize || h < 1 || w < 1)
            {
                error = $"stage {i} leaves a {Math.Max(h, 0)}×{Math.Max(w, 0)} map, too small for kernel {KernelSize} and pool {PoolSize} on a {ImageHeight}×{ImageWidth} image";
                return sizes;
            }
            h /= PoolSize;
            w /= PoolSize;
            sizes[i] = (h, w);
        }
        return sizes;
    }

    /// <summary>Features entering the first linear layer: last channel count × last map size.</summary>
    public int FlattenedSize
    {
        get
        {
            var sizes = MapSizes(out var error);
            if (error is not null) throw new InputException($"conv config: {error}");
            if (Channels.Length == 0) return InputSize;
            var (h, w) = sizes[^1];
            return Channels[^1] * h * w;
        }
    }
}
