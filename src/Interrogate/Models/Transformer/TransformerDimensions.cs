namespace Interrogate.Models.Transformer;

/// <summary>
/// The sizes every decoder-only transformer shares, whatever its config file calls them.
/// <paramref name="MlpWidths"/> has one entry per layer, so pruned models may differ by layer.
/// </summary>
public sealed record TransformerDimensions(
    int VocabSize, int ContextLength, int DModel, int Layers, int Heads, int KeyValueHeads, int HeadDim, int[] MlpWidths)
{
    /// <summary>Width of the fused q|k|v projection: (H + 2·Hk)·Dh.</summary>
    public int QkvWidth => (Heads + 2 * KeyValueHeads) * HeadDim;
}
