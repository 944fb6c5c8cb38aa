using Interrogate.Tensors;

namespace Interrogate.Analysis.Redundancy;

/// <summary>
/// One layer of neurons as redundancy analysis sees it: the hook point that records the neurons'
/// activations and the linear map that reads them, which is where merges are folded.
/// </summary>
/// <param name="Index">The layer's number as users name it (the block index of a transformer, the hidden-layer index of an MLP).</param>
/// <param name="Hook">Hook point of the neurons' activations, e.g. "blocks.2.mlp.hook_post" ([.., width]).</param>
/// <param name="OutputWeight">Weight of the reading layer, [out, width]: column j is what neuron j writes.</param>
/// <param name="OutputBias">Bias of the reading layer, [out], or null when it has none (offsets then cannot be folded).</param>
public sealed record RedundancyLayer(int Index, string Hook, Tensor OutputWeight, Tensor? OutputBias)
{
    /// <summary>Number of neurons.</summary>
    public int Width => OutputWeight.Shape[1];

    /// <summary>Width of what the neurons write into.</summary>
    public int OutputSize => OutputWeight.Shape[0];

    /// <summary>‖W_out[:, j]‖₂, the size of neuron j's write direction.</summary>
    public double ColumnNorm(int j)
    {
        var w = OutputWeight.Span;
        double s = 0;
        for (int o = 0; o < OutputSize; o++) s += (double)w[o * Width + j] * w[o * Width + j];
        return Math.Sqrt(s);
    }
}
