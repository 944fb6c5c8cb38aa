using System.Globalization;

namespace Interrogate.Nn;

/// <summary>
/// One unit: index <see cref="Index"/> along the last axis of a [batch, position, width] hook point,
/// e.g. <c>blocks.2.mlp.hook_post</c>[317]. Ablation, patching, attribution and verdicts all address
/// units this way so their results can be joined. Written "L2.N317" for an MLP neuron, else "hook[index]".
/// </summary>
public readonly record struct UnitRef(string Hook, int Index)
{
    /// <summary>The MLP neuron <paramref name="index"/> of block <paramref name="layer"/> (<see cref="HookNames.MlpPost"/>).</summary>
    public static UnitRef Mlp(int layer, int index) => new(HookNames.MlpPost(layer), index);

    /// <summary>The block number, or −1 for hooks outside the blocks.</summary>
    public int Layer => HookNames.LayerOf(Hook);

    /// <summary>"L2.N317" for an MLP neuron, else "hook[index]" (both parse back with <see cref="Parse"/>).</summary>
    public override string ToString() => Layer >= 0 && Hook == HookNames.MlpPost(Layer)
        ? $"L{Layer.ToString(CultureInfo.InvariantCulture)}.N{Index.ToString(CultureInfo.InvariantCulture)}"
        : $"{Hook}[{Index.ToString(CultureInfo.InvariantCulture)}]";

    /// <summary>Parses "L2.N317" (an MLP neuron) or "blocks.2.attn.hook_z[5]"; null when the text is neither.</summary>
    public static UnitRef? TryParse(string text)
    {
        if (text.EndsWith(']') && text.LastIndexOf('[') is int open and > 0
            && int.TryParse(text.AsSpan(open + 1, text.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            return new UnitRef(text[..open], index);
        if (text.Length > 3 && text[0] == 'L' && text.IndexOf(".N", StringComparison.Ordinal) is int dot and > 1
            && int.TryParse(text.AsSpan(1, dot - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int layer)
            && int.TryParse(text.AsSpan(dot + 2), NumberStyles.None, CultureInfo.InvariantCulture, out int neuron))
            return Mlp(layer, neuron);
        return null;
    }

    /// <summary><see cref="TryParse"/>, or an InputException naming <paramref name="flag"/>.</summary>
    public static UnitRef Parse(string text, string flag) => TryParse(text)
        ?? throw new InputException($"{flag}: expected a unit such as L2.N317 or blocks.2.mlp.hook_post[317], got '{text}'");
}
