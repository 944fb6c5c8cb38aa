using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.Transformer;

/// <summary>
/// One pre-norm residual block: x + attn(ln1(x)), then + mlp(ln2(·)). Options that architectures
/// pick, not name: norms on the attention and MLP outputs before they join the residual
/// (<c>ln1_post</c>, <c>ln2_post</c>: Gemma 2), and a parallel residual, x + attn(ln1(x)) + mlp(ln2(x))
/// (GPT-NeoX/Pythia), which has no <c>hook_resid_mid</c>. The norms and the MLP are whatever the
/// architecture passes in; the block itself knows no architecture names.
/// </summary>
public sealed partial class TransformerBlock : Module
{
    public TransformerBlock(Normalization ln1, Attention attn, Normalization ln2, FeedForward mlp,
        Normalization? ln1Post = null, Normalization? ln2Post = null, bool parallelResidual = false)
    {
        int d = ln1.Size;
        ParallelResidual = parallelResidual;
        HookResidPre = Hook("hook_resid_pre", d);
        HookAttnOut = Hook("hook_attn_out", d);
        if (!parallelResidual) HookResidMid = Hook("hook_resid_mid", d);
        HookMlpOut = Hook("hook_mlp_out", d);
        HookResidPost = Hook("hook_resid_post", d);
        Ln1 = AddModule("ln1", ln1);
        Attn = AddModule("attn", attn);
        if (ln1Post is not null) Ln1Post = AddModule("ln1_post", ln1Post);
        Ln2 = AddModule("ln2", ln2);
        Mlp = AddModule("mlp", mlp);
        if (ln2Post is not null) Ln2Post = AddModule("ln2_post", ln2Post);
        foreach (var norm in new[] { ln1, ln2, ln1Post, ln2Post })
            if (norm is not null) norm.HookNormalized.ShapeOf = (b, t) => [b, t, d];
    }

    public Normalization Ln1 { get; }
    public Attention Attn { get; }
    /// <summary>Normalises the attention output before the residual add; null when the architecture has none.</summary>
    public Normalization? Ln1Post { get; }
    public Normalization Ln2 { get; }
    public FeedForward Mlp { get; }
    /// <summary>Normalises the MLP output before the residual add; null when the architecture has none.</summary>
    public Normalization? Ln2Post { get; }
    /// <summary>True when attention and MLP both read the block's input (no resid_mid).</summary>
    public bool ParallelResidual { get; }

    public HookPoint HookResidPre { get; }    // [B, T, D]
    public HookPoint HookAttnOut { get; }     // [B, T, D], after ln1_post when present
    /// <summary>[B, T, D]; null for a parallel residual.</summary>
    public HookPoint? HookResidMid { get; }
    public HookPoint HookMlpOut { get; }      // [B, T, D], after ln2_post when present
    public HookPoint HookResidPost { get; }   // [B, T, D]

    /// <summary>x: [B, T, D] → [B, T, D].</summary>
    public Tensor Forward(Tensor x, ForwardContext ctx)
    {
        if (FusedMlp(ctx) is { } mlp) return ForwardFused(x, ctx, mlp);
        x = HookResidPre.Apply(x);                                        // [B, T, D]
        var attnOut = Attn.Forward(Ln1.Forward(x), ctx);
        attnOut = HookAttnOut.Apply(Ln1Post?.Forward(attnOut) ?? attnOut);
        var mid = ParallelResidual ? x : HookResidMid!.Apply(x.Add(attnOut));   // [B, T, D]
        var mlpOut = Mlp.Forward(Ln2.Forward(mid));
        mlpOut = HookMlpOut.Apply(Ln2Post?.Forward(mlpOut) ?? mlpOut);
        return HookResidPost.Apply(ParallelResidual ? x.Add(attnOut.Add(mlpOut)) : mid.Add(mlpOut));   // [B, T, D]
    }

    private HookPoint Hook(string name, int d)
    {
        var hook = AddHookPoint(name);
        hook.ShapeOf = (b, t) => [b, t, d];
        return hook;
    }
}
