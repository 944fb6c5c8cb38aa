using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.Transformer;

/// <summary>
/// One pre-norm residual block: x + attn(ln1(x)), then + mlp(ln2(·)). The norms and the MLP are
/// whatever the architecture passes in; the block itself knows no architecture names.
/// </summary>
public sealed class TransformerBlock : Module
{
    public TransformerBlock(Normalization ln1, Attention attn, Normalization ln2, FeedForward mlp)
    {
        int d = ln1.Size;
        HookResidPre = Hook("hook_resid_pre", d);
        HookAttnOut = Hook("hook_attn_out", d);
        HookResidMid = Hook("hook_resid_mid", d);
        HookMlpOut = Hook("hook_mlp_out", d);
        HookResidPost = Hook("hook_resid_post", d);
        Ln1 = AddModule("ln1", ln1);
        Attn = AddModule("attn", attn);
        Ln2 = AddModule("ln2", ln2);
        Mlp = AddModule("mlp", mlp);
        foreach (var norm in new[] { ln1, ln2 }) norm.HookNormalized.ShapeOf = (b, t) => [b, t, d];
    }

    public Normalization Ln1 { get; }
    public Attention Attn { get; }
    public Normalization Ln2 { get; }
    public FeedForward Mlp { get; }

    public HookPoint HookResidPre { get; }    // [B, T, D]
    public HookPoint HookAttnOut { get; }     // [B, T, D]
    public HookPoint HookResidMid { get; }    // [B, T, D]
    public HookPoint HookMlpOut { get; }      // [B, T, D]
    public HookPoint HookResidPost { get; }   // [B, T, D]

    /// <summary>x: [B, T, D] → [B, T, D].</summary>
    public Tensor Forward(Tensor x, ForwardContext ctx)
    {
        x = HookResidPre.Apply(x);                                        // [B, T, D]
        var attnOut = HookAttnOut.Apply(Attn.Forward(Ln1.Forward(x), ctx));
        x = HookResidMid.Apply(x.Add(attnOut));                           // [B, T, D]
        var mlpOut = HookMlpOut.Apply(Mlp.Forward(Ln2.Forward(x)));
        return HookResidPost.Apply(x.Add(mlpOut));                        // [B, T, D]
    }

    private HookPoint Hook(string name, int d)
    {
        var hook = AddHookPoint(name);
        hook.ShapeOf = (b, t) => [b, t, d];
        return hook;
    }
}
