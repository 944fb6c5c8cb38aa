using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Subjects;

/// <summary>
/// One layer of units that analyses score, ablate, merge and remove together. Unit j is row j of every
/// <see cref="Incoming"/> linear (GPT-2: mlp.in; Llama: mlp.gate and mlp.up; the MLP classifier: the
/// hidden linear) and column j of <see cref="Outgoing"/>, the linear that reads the activations at
/// <see cref="ActivationHook"/> and where merges are folded. <see cref="InputHook"/> names the
/// activation the incoming linears read (null: the network's raw input), which Wanda needs for its input norms.
/// </summary>
/// <param name="Index">The layer's number as users name it (a transformer's block, an MLP's hidden layer).</param>
/// <param name="Name">The module path of the layer ("blocks.2.mlp", "layers.0").</param>
/// <param name="ActivationHook">Hook point of the units' activations, e.g. "blocks.2.mlp.hook_post" ([.., width]).</param>
/// <param name="InputHook">The activation the incoming linears read; null for the raw input.</param>
/// <param name="Incoming">The linears whose row j produces unit j.</param>
/// <param name="Outgoing">The linear whose column j reads unit j.</param>
public sealed record UnitLayer(int Index, string Name, string ActivationHook, string? InputHook, IReadOnlyList<Linear> Incoming, Linear Outgoing)
{
    /// <summary>The number of units.</summary>
    public int Width => OutputWeight.Shape[1];

    /// <summary>Width of what the units write into.</summary>
    public int OutputSize => OutputWeight.Shape[0];

    /// <summary>Weight of the reading layer, [out, width]: column j is what unit j writes.</summary>
    public Tensor OutputWeight => Outgoing.Weight;

    /// <summary>Bias of the reading layer, [out], or null when it has none (offsets then cannot be folded).</summary>
    public Tensor? OutputBias => Outgoing.Bias;

    /// <summary>The unit <paramref name="index"/> of this layer.</summary>
    public UnitRef Unit(int index) => new(ActivationHook, index);

    /// <summary>‖W_out[:, j]‖₂, the size of unit j's write direction.</summary>
    public double ColumnNorm(int j)
    {
        var w = OutputWeight.Span;
        double s = 0;
        for (int o = 0; o < OutputSize; o++) s += (double)w[o * Width + j] * w[o * Width + j];
        return Math.Sqrt(s);
    }
}
