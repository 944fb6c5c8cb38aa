using System.Globalization;

namespace Interrogate.Nn;

/// <summary>
/// The one place hook-point names are built and matched (TransformerLens spelling:
/// <c>blocks.{L}.mlp.hook_post</c>). Patterns use one glob dialect: <c>*</c> stands for exactly one
/// non-empty dot-free name part, so <c>blocks.*.mlp.hook_post</c> matches every block's MLP neurons
/// and never <c>blocks.0.attn.mlp.hook_post</c>.
/// </summary>
public static class HookNames
{
    /// <summary>The MLP neurons of block <paramref name="layer"/>: <c>blocks.L.mlp.hook_post</c>.</summary>
    public static string MlpPost(int layer) => Block(layer, "mlp.hook_post");

    /// <summary>The MLP pre-activations of block <paramref name="layer"/>: <c>blocks.L.mlp.hook_pre</c>.</summary>
    public static string MlpPre(int layer) => Block(layer, "mlp.hook_pre");

    /// <summary>A hook inside block <paramref name="layer"/>: <c>blocks.L.{rest}</c>, e.g. rest = "hook_resid_pre" or "attn.hook_z".</summary>
    public static string Block(int layer, string rest) => $"blocks.{layer.ToString(CultureInfo.InvariantCulture)}.{rest}";

    /// <summary>The pattern every block's MLP units match: <c>blocks.*.mlp.hook_post</c>.</summary>
    public const string AllMlpPost = "blocks.*.mlp.hook_post";

    /// <summary>The token embedding: <c>hook_embed</c>.</summary>
    public const string Embed = "hook_embed";

    /// <summary>The learned position embedding: <c>hook_pos_embed</c>.</summary>
    public const string PosEmbed = "hook_pos_embed";

    /// <summary>Attention heads' outputs before the output projection: <c>blocks.L.attn.hook_z</c> ([B, T, H, Dh]).</summary>
    public static string AttnZ(int layer) => Block(layer, "attn.hook_z");

    /// <summary>Attention probabilities: <c>blocks.L.attn.hook_pattern</c> ([B, H, T, T]).</summary>
    public static string AttnPattern(int layer) => Block(layer, "attn.hook_pattern");

    /// <summary>True for every block's attention pattern.</summary>
    public static bool IsAttnPattern(string hook) => LayerOf(hook) is int l and >= 0 && hook == AttnPattern(l);

    /// <summary>What the MLP of block <paramref name="layer"/> adds to the residual stream: <c>blocks.L.hook_mlp_out</c>.</summary>
    public static string MlpOut(int layer) => Block(layer, "hook_mlp_out");

    /// <summary>The MLP module of block <paramref name="layer"/>: <c>blocks.L.mlp</c> (a module path, not a hook).</summary>
    public static string Mlp(int layer) => Block(layer, "mlp");

    /// <summary>The normalised input of block <paramref name="layer"/>'s MLP: <c>blocks.L.ln2.hook_normalized</c>.</summary>
    public static string Ln2Normalized(int layer) => Block(layer, "ln2.hook_normalized");

    /// <summary>The residual stream between attention and MLP of block <paramref name="layer"/>: <c>blocks.L.hook_resid_mid</c>.</summary>
    public static string ResidMid(int layer) => Block(layer, "hook_resid_mid");

    /// <summary>True for every block's MLP units (<see cref="MlpPost"/>).</summary>
    public static bool IsMlpPost(string hook) => LayerOf(hook) is int l and >= 0 && hook == MlpPost(l);

    /// <summary>The residual stream after block <paramref name="layer"/>: <c>blocks.L.hook_resid_post</c>.</summary>
    public static string ResidPost(int layer) => Block(layer, "hook_resid_post");

    /// <summary>The residual stream before block <paramref name="layer"/>: <c>blocks.L.hook_resid_pre</c>.</summary>
    public static string ResidPre(int layer) => Block(layer, "hook_resid_pre");

    /// <summary>Hidden layer <paramref name="layer"/> of an MLP classifier: <c>layers.i</c>.</summary>
    public static string ClassifierLayer(int layer) => $"layers.{layer.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The units of hidden layer <paramref name="layer"/> of an MLP classifier: <c>layers.i.hook_post</c>.</summary>
    public static string ClassifierPost(int layer) => ClassifierLayer(layer) + ".hook_post";

    /// <summary>The block number of a "blocks.L.…" hook name, or −1 for hooks outside the blocks.</summary>
    public static int LayerOf(string hook)
    {
        if (!hook.StartsWith("blocks.", StringComparison.Ordinal)) return -1;
        int end = hook.IndexOf('.', 7);
        return end > 7 && int.TryParse(hook.AsSpan(7, end - 7), NumberStyles.None, CultureInfo.InvariantCulture, out int layer) ? layer : -1;
    }

    /// <summary>True when <paramref name="name"/> matches <paramref name="pattern"/>: the same number of dot-separated parts, each equal or matched by <c>*</c>.</summary>
    public static bool Matches(string pattern, string name)
    {
        var p = pattern.Split('.');
        var n = name.Split('.');
        if (p.Length != n.Length) return false;
        for (int i = 0; i < p.Length; i++)
            if (p[i] == "*" ? n[i].Length == 0 : !string.Equals(p[i], n[i], StringComparison.Ordinal)) return false;
        return true;
    }

    /// <summary>The names among <paramref name="names"/> that match any of the comma-separated patterns, in the order of <paramref name="names"/>.</summary>
    public static IReadOnlyList<string> Resolve(string patterns, IEnumerable<string> names)
    {
        var list = patterns.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return [.. names.Where(n => list.Any(p => Matches(p, n)))];
    }
}
