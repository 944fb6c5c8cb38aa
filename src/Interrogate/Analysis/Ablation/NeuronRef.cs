using System.Globalization;

namespace Interrogate.Analysis.Ablation;

/// <summary>
/// One neuron: index <see cref="Neuron"/> along the last axis of a [batch, position, width] hook
/// point, e.g. <c>blocks.2.mlp.hook_post</c>[317]. Ablation, patching and attribution all address
/// neurons this way so their results can be joined.
/// </summary>
public readonly record struct NeuronRef(string Hook, int Neuron)
{
    /// <summary>The MLP neuron <paramref name="neuron"/> of block <paramref name="layer"/> (<c>blocks.L.mlp.hook_post</c>).</summary>
    public static NeuronRef Mlp(int layer, int neuron) => new(MlpHook(layer), neuron);

    public static string MlpHook(int layer) => $"blocks.{layer.ToString(CultureInfo.InvariantCulture)}.mlp.hook_post";

    /// <summary>The block number from a "blocks.L.…" hook name, or −1 for hooks outside the blocks.</summary>
    public int Layer => LayerOf(Hook);

    public static int LayerOf(string hook)
    {
        if (!hook.StartsWith("blocks.", StringComparison.Ordinal)) return -1;
        int end = hook.IndexOf('.', 7);
        return end > 7 && int.TryParse(hook.AsSpan(7, end - 7), NumberStyles.None, CultureInfo.InvariantCulture, out int layer) ? layer : -1;
    }

    public override string ToString() => Layer >= 0 ? $"L{Layer}.N{Neuron}" : $"{Hook}[{Neuron}]";
}
