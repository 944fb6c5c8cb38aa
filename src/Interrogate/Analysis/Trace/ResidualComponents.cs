using Interrogate.Models.Transformer;
using Interrogate.Nn;

namespace Interrogate.Analysis.Trace;

/// <summary>
/// The residual stream at one position split into what wrote it: the token and position
/// embeddings, each attention head (z_h · W_O[:, h]ᵀ), each attention output bias and each MLP.
/// Components are listed in forward order with the layer they belong to, so "everything written
/// before layer L's MLP" is a prefix of the list.
/// </summary>
internal static class ResidualComponents
{
    public sealed record Component(string Source, int Layer, ComponentKind Kind, int Head, double[] Vector);

    public enum ComponentKind { Embedding, PositionEmbedding, Head, AttentionBias, Mlp }

    /// <summary>Hook names the split needs cached (attention patterns are cached by the caller if wanted).</summary>
    public static IEnumerable<string> HookNames(CausalLanguageModel model)
    {
        yield return Nn.HookNames.Embed;
        if (model.PosEmbed is not null) yield return Nn.HookNames.PosEmbed;
        for (int l = 0; l < model.Blocks.Count; l++)
        {
            yield return Nn.HookNames.AttnZ(l);
            yield return Nn.HookNames.MlpOut(l);
            yield return Nn.HookNames.ResidPre(l);
            if (!model.Blocks[l].ParallelResidual) yield return Nn.HookNames.ResidMid(l);   // a parallel block (Pythia) has none
            yield return Nn.HookNames.MlpPre(l);
            yield return Nn.HookNames.MlpPost(l);
        }
        yield return Nn.HookNames.ResidPost(model.Blocks.Count - 1);
    }

    /// <summary>All components at position <paramref name="t"/> of batch row 0, from a scope that cached <see cref="HookNames"/>.</summary>
    public static List<Component> Split(CausalLanguageModel model, HookScope hooks, int t)
    {
        int d = model.Dimensions.DModel;
        var list = new List<Component> { new("embed", -1, ComponentKind.Embedding, -1, Row(hooks, Nn.HookNames.Embed, t, d)) };
        if (model.PosEmbed is not null) list.Add(new("pos_embed", -1, ComponentKind.PositionEmbedding, -1, Row(hooks, Nn.HookNames.PosEmbed, t, d)));
        for (int l = 0; l < model.Blocks.Count; l++)
        {
            var attn = model.Blocks[l].Attn;
            int h = attn.Heads, dh = attn.HeadDim;
            var z = Row(hooks, Nn.HookNames.AttnZ(l), t, h * dh);          // [H·Dh] at position t
            var wO = attn.Out.Weight.ContiguousData().Span;                    // [D, H·Dh]
            for (int head = 0; head < h; head++)
            {
                var v = new double[d];
                for (int i = 0; i < d; i++)
                {
                    double s = 0;
                    for (int j = 0; j < dh; j++) s += z[head * dh + j] * wO[i * h * dh + head * dh + j];
                    v[i] = s;
                }
                list.Add(new($"L{l}.H{head}", l, ComponentKind.Head, head, v));
            }
            if (attn.Out.Bias is { } bias) list.Add(new($"L{l}.attn_bias", l, ComponentKind.AttentionBias, -1, [.. bias.ToArray().Select(x => (double)x)]));
            list.Add(new($"L{l}.mlp", l, ComponentKind.Mlp, -1, Row(hooks, Nn.HookNames.MlpOut(l), t, d)));
        }
        return list;
    }

    /// <summary>Row t of a cached [1, T, ...] activation, flattened, in double.</summary>
    public static double[] Row(HookScope hooks, string name, int t, int width)
    {
        var tensor = hooks.Cached[name].ContiguousData();
        var span = tensor.Span.Slice(t * width, width);
        var row = new double[width];
        for (int i = 0; i < width; i++) row[i] = span[i];
        return row;
    }

    public static float[] RowFloat(HookScope hooks, string name, int t, int width) =>
        hooks.Cached[name].ContiguousData().Span.Slice(t * width, width).ToArray();
}
