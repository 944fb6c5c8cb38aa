using Interrogate.Features;
using Interrogate.Models.Transformer;
using Interrogate.Nn;

namespace Interrogate.Analysis.Trace;

/// <summary>
/// The trace of one prediction with a dictionary's hook split into features (<c>trace --units</c>): the hook's
/// value at the traced position is x = Σ_f a_f·W_dec[f] + b_dec + ε, with ε = x − x̂ the reconstruction error, so
/// its direct logit effect splits exactly into one part per active feature, the decoder bias and the error. The
/// residual components the hook sums (everything written before it for a residual-stream hook, one block's MLP or
/// attention for hook_mlp_out / hook_attn_out) are replaced by these parts; the rest are kept, so every part still
/// sums to the logit.
/// </summary>
internal static class FeatureTracer
{
    /// <summary>Hooks the split needs cached besides <see cref="ResidualComponents.HookNames"/>.</summary>
    public static IEnumerable<string> HookNames(FeatureHook features) => [features.Name, features.Dictionary.HookOut];

    /// <summary>InputException unless the dictionary's output hook is one whose value is a sum of residual components.</summary>
    public static Func<ResidualComponents.Component, bool> Covered(CausalLanguageModel model, string hook)
    {
        for (int l = 0; l < model.Blocks.Count; l++)
        {
            int layer = l;
            bool Attention(ResidualComponents.Component c) => c.Layer == layer && c.Kind is ResidualComponents.ComponentKind.Head or ResidualComponents.ComponentKind.AttentionBias;
            if (hook == Nn.HookNames.ResidPre(l)) return c => c.Layer < layer;
            if (hook == Nn.HookNames.ResidMid(l) && !model.Blocks[l].ParallelResidual) return c => c.Layer < layer || Attention(c);
            if (hook == Nn.HookNames.ResidPost(l)) return c => c.Layer <= layer;
            if (hook == Nn.HookNames.MlpOut(l)) return c => c.Layer == layer && c.Kind == ResidualComponents.ComponentKind.Mlp;
            if (hook == Nn.HookNames.Block(l, "hook_attn_out")) return Attention;
        }
        throw new InputException($"--units: trace splits the logit over a dictionary's features only when it writes a residual-stream hook "
            + $"(blocks.L.hook_resid_pre/mid/post) or a block's hook_mlp_out / hook_attn_out; this one writes {hook}");
    }

    /// <param name="model">The model, with <paramref name="features"/> attached.</param>
    /// <param name="hooks">A scope that cached <see cref="HookNames"/> and the residual components' hooks.</param>
    /// <param name="components">The residual split at <paramref name="t"/>.</param>
    /// <param name="finalNorm">The final norm frozen at this position.</param>
    /// <param name="unembed">[V, D] unembedding.</param>
    /// <param name="top">The top predictions; the first is the traced token.</param>
    /// <param name="features">The dictionary.</param>
    /// <param name="t">The traced position.</param>
    /// <param name="lnBias">The final norm's bias term of the predicted token's logit.</param>
    public static FeatureTrace Split(CausalLanguageModel model, HookScope hooks, List<ResidualComponents.Component> components, FrozenNorm finalNorm,
        Tensors.Tensor unembed, IReadOnlyList<TokenScore> top, FeatureHook features, int t, double lnBias)
    {
        var d = features.Dictionary;
        int width = d.OutputWidth, dm = model.Dimensions.DModel;
        var covered = Covered(model, d.HookOut);
        ReadOnlySpan<float> Direction(int id) => unembed.Span.Slice(id * dm, dm);
        double Dla(double[] v) => FrozenNorm.Dot(finalNorm.Map(v), Direction(top[0].Id));

        var x = ResidualComponents.Row(hooks, d.HookOut, t, width);
        var acts = ResidualComponents.Row(hooks, features.Name, t, d.Latents);
        var reconstruction = d.DecoderBias.Select(b => (double)b).ToArray();
        var active = new List<FeatureContribution>();
        for (int f = 0; f < d.Latents; f++)
        {
            if (acts[f] == 0) continue;
            var write = new double[width];
            var row = d.DecoderWeight.AsSpan(f * width, width);
            for (int i = 0; i < width; i++) { write[i] = acts[f] * row[i]; reconstruction[i] += write[i]; }
            var mapped = finalNorm.Map(write);
            var effects = top.Select(s => new Contribution(s.Token, FrozenNorm.Dot(mapped, Direction(s.Id)))).ToList();
            active.Add(new FeatureContribution(f, $"{features.Name}[{f}]", acts[f], effects[0].Value, effects));
        }
        var error = new double[width];
        for (int i = 0; i < width; i++) error[i] = x[i] - reconstruction[i];
        double bias = Dla([.. d.DecoderBias.Select(b => (double)b)]), errorDla = Dla(error);

        var parts = components.Where(c => !covered(c)).Select(c => new Contribution(c.Source, Dla(c.Vector))).ToList();
        parts.AddRange(active.Select(a => new Contribution(a.Unit, a.DirectLogit)));
        parts.Add(new Contribution($"{features.Name}.b_dec", bias));
        parts.Add(new Contribution($"{features.Name}.error", errorDla));
        parts.Add(new Contribution("ln_final.bias", lnBias));
        return new FeatureTrace(d.HookOut, features.Name, Dla(x), [.. active.OrderByDescending(a => Math.Abs(a.DirectLogit))], bias, errorDla,
            Norm(error), Norm(x), parts, parts.Sum(p => p.Value));
    }

    private static double Norm(double[] v) => Math.Sqrt(v.Sum(e => e * e));
}
