using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.Transformer;

/// <summary>
/// Causal multi-head self-attention with grouped-query heads (Hk key/value heads shared by H query
/// heads) and optional rotary positions. q, k and v come from one fused projection, weight
/// [(H + 2·Hk)·Dh, D] with rows q | k | v, so one matrix product serves all three. The [B, H, T, T]
/// pattern is only materialised when the active hook scope asks for <c>hook_pattern</c>, or when
/// soft-capping or a sliding window need the scores as a tensor (<see cref="AttentionOptions"/>).
/// </summary>
public sealed class Attention : Module
{
    private readonly RotaryEmbedding? rotary;

    public Attention(int layer, TransformerDimensions dims, bool qkvBias, bool outBias, RotaryEmbedding? rotary, TensorRandom rng)
        : this(layer, dims, new AttentionOptions { QkvBias = qkvBias, OutBias = outBias, Rotary = rotary }, rng)
    {
    }

    public Attention(int layer, TransformerDimensions dims, AttentionOptions options, TensorRandom rng)
    {
        Options = options;
        var (qkvBias, outBias, rotary) = (options.QkvBias, options.OutBias, options.Rotary);
        Layer = layer;
        Heads = dims.Heads;
        KeyValueHeads = dims.KeyValueHeads;
        HeadDim = dims.HeadDim;
        this.rotary = rotary;
        int h = Heads, hk = KeyValueHeads, dh = HeadDim;
        Qkv = AddModule("qkv", new Linear(dims.DModel, dims.QkvWidth, qkvBias, rng, Initialization.Normal002));
        Out = AddModule("out", new Linear(h * dh, dims.DModel, outBias, rng, Initialization.Normal002));
        HookQ = Hook("hook_q", (b, t) => [b, t, h, dh]);
        HookK = Hook("hook_k", (b, t) => [b, t, hk, dh]);
        HookV = Hook("hook_v", (b, t) => [b, t, hk, dh]);
        if (rotary is not null)
        {
            HookRotQ = Hook("hook_rot_q", (b, t) => [b, t, h, dh]);
            HookRotK = Hook("hook_rot_k", (b, t) => [b, t, hk, dh]);
        }
        HookPattern = Hook("hook_pattern", (b, t) => [b, h, t, t]);
        HookZ = Hook("hook_z", (b, t) => [b, t, h, dh]);
    }

    public AttentionOptions Options { get; }
    public int Layer { get; }
    public int Heads { get; }
    public int KeyValueHeads { get; }
    public int HeadDim { get; }
    public Linear Qkv { get; }   // weight [(H + 2·Hk)·Dh, D]
    public Linear Out { get; }   // weight [D, H·Dh]

    public HookPoint HookQ { get; }          // [B, T, H, Dh]
    public HookPoint HookK { get; }          // [B, T, Hk, Dh]
    public HookPoint HookV { get; }          // [B, T, Hk, Dh]
    public HookPoint? HookRotQ { get; }      // [B, T, H, Dh], rotary models only
    public HookPoint? HookRotK { get; }      // [B, T, Hk, Dh], rotary models only
    public HookPoint HookPattern { get; }    // [B, H, Tq, Tk] (Tk counts cached tokens too)
    public HookPoint HookZ { get; }          // [B, T, H, Dh]

    /// <summary>x: [B, T, D] → [B, T, D].</summary>
    public Tensor Forward(Tensor x, ForwardContext ctx)
    {
        int b = x.Shape[0], t = x.Shape[1], h = Heads, hk = KeyValueHeads, dh = HeadDim;
        var qkv = Qkv.Forward(x);                                       // [B, T, (H + 2·Hk)·Dh]
        if (CanFuse(ctx)) return Out.Forward(qkv.CausalSelfAttention(h, hk, dh, Options.Scale));   // [B, T, D]
        var parts = qkv.Split([h * dh, hk * dh, hk * dh], -1);
        var q = HookQ.Apply(parts[0].Reshape(b, t, h, dh));             // [B, T, H, Dh]
        var k = HookK.Apply(parts[1].Reshape(b, t, hk, dh));            // [B, T, Hk, Dh]
        var v = HookV.Apply(parts[2].Reshape(b, t, hk, dh));            // [B, T, Hk, Dh]
        if (rotary is not null)
        {
            var (cos, sin) = ctx.RotaryTables(rotary);                  // [B, T, 1, Dh]
            q = HookRotQ!.Apply(RotaryEmbedding.Apply(q, cos, sin));    // [B, T, H, Dh]
            k = HookRotK!.Apply(RotaryEmbedding.Apply(k, cos, sin));    // [B, T, Hk, Dh]
        }
        var qh = q.Permute(0, 2, 1, 3);                                 // [B, H, T, Dh]
        var kh = k.Permute(0, 2, 1, 3).Contiguous();                    // [B, Hk, T, Dh]
        var vh = v.Permute(0, 2, 1, 3).Contiguous();                    // [B, Hk, T, Dh]
        if (ctx.Cache is { } cache) (kh, vh) = cache.Append(Layer, kh, vh);   // [B, Hk, Tpast + T, Dh]
        Tensor z;                                                       // [B, H, T, Dh]
        if (NeedsExplicitPattern(ctx))
        {
            z = HookPattern.Apply(ExplicitPattern(qh, kh, ctx)).ApplyPattern(vh);
        }
        else if (HookPattern.IsWanted)
        {
            var pattern = HookPattern.Apply(qh.AttentionPattern(kh, causal: true, ctx.KeyMask, Options.Scale, Options.SoftCap, WindowOf(ctx)));  // [B, H, T, Tpast + T]
            z = pattern.ApplyPattern(vh);
        }
        else
        {
            z = qh.ScaledDotProductAttention(kh, vh, causal: true, ctx.KeyMask, Options.Scale, Options.SoftCap, WindowOf(ctx));
        }
        z = HookZ.Apply(z.Permute(0, 2, 1, 3).Contiguous());            // [B, T, H, Dh]
        return Out.Forward(z.Reshape(b, t, h * dh));                    // [B, T, D]
    }

    /// <summary>
    /// softmax(cap(scale·q·kᵀ) + mask) from ordinary recorded ops, for a sliding window in a padded batch:
    /// the kernels count a window in key slots, which equal positions only without padding, while this
    /// mask counts positions. cap(s) = c·tanh(s/c). qh: [B, H, T, Dh]; kh: [B, Hk, Tk, Dh]. Result: [B, H, T, Tk].
    /// </summary>
    private Tensor ExplicitPattern(Tensor qh, Tensor kh, ForwardContext ctx)
    {
        int b = qh.Shape[0], t = qh.Shape[2], tk = kh.Shape[2], group = Heads / KeyValueHeads;
        // Query heads sharing a key/value head are adjacent, so [B, H, T, Dh] viewed as
        // [B, Hk, group·T, Dh] multiplies each key head once, without repeating keys.
        var grouped = qh.Contiguous().Reshape(b, KeyValueHeads, group * t, HeadDim);
        var scores = grouped.MatMul(kh, transposeB: true).Reshape(b, Heads, t, tk)
            .Mul(Options.Scale ?? 1f / MathF.Sqrt(HeadDim));                       // [B, H, T, Tk]
        if (Options.SoftCap is { } cap) scores = scores.Mul(1f / cap).Tanh().Mul(cap);
        return scores.Add(ctx.AttentionBias(Options.Window)).Softmax(-1);          // [B, H, T, Tk]
    }

    /// <summary>A window some query of this pass reaches past (a wider one changes nothing), in a batch with padding.</summary>
    private bool NeedsExplicitPattern(ForwardContext ctx) => WindowBinds(ctx) && ctx.KeyMask is not null;

    private bool WindowBinds(ForwardContext ctx) => Options.Window is { } w && ctx.MaxPosition >= w;

    /// <summary>The window for the kernels: only when it binds (without padding, key slots are positions).</summary>
    private int? WindowOf(ForwardContext ctx) => WindowBinds(ctx) ? Options.Window : null;


    /// <summary>
    /// True when nothing needs q, k, v, the pattern or z as separate tensors (no hook scope wants
    /// them, no rotary, cache or padding mask), so attention can run straight on the fused
    /// projection: the same values without the split, permute and merge copies.
    /// </summary>
    internal bool CanFuse(ForwardContext ctx) =>
        rotary is null && ctx.Cache is null && Options.SoftCap is null && !WindowBinds(ctx) && ctx.KeyMask is null
        && !HookQ.IsWanted && !HookK.IsWanted && !HookV.IsWanted && !HookPattern.IsWanted && !HookZ.IsWanted;

    private HookPoint Hook(string name, Func<int, int, int[]> shape)
    {
        var hook = AddHookPoint(name);
        hook.ShapeOf = shape;
        return hook;
    }
}
