using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.Transformer;

/// <summary>
/// A transformer's per-token MLP with TransformerLens hook points: <c>hook_pre</c> is the
/// activation function's input and <c>hook_post</c> the [B, T, d_mlp] vector the output projection
/// reads (the "neurons").
/// </summary>
public abstract class FeedForward : Module
{
    protected FeedForward(int width, string activation)
    {
        Width = width;
        ActivationName = Activation.Validate(activation, "config.json");
        HookPre = AddHookPoint("hook_pre");
        HookPre.ShapeOf = (b, t) => [b, t, width];
        HookPost = AddHookPoint("hook_post");
        HookPost.ShapeOf = (b, t) => [b, t, width];
    }

    /// <summary>d_mlp, the number of neurons.</summary>
    public int Width { get; }
    public string ActivationName { get; }
    public HookPoint HookPre { get; }    // [B, T, d_mlp]
    public HookPoint HookPost { get; }   // [B, T, d_mlp]

    /// <summary>x: [B, T, D] → [B, T, D].</summary>
    public abstract Tensor Forward(Tensor x);
}

/// <summary>GPT-2's MLP: out(act(in(x))). In: weight [d_mlp, D] + bias; out: weight [D, d_mlp] + bias.</summary>
public sealed class DenseMlp : FeedForward
{
    public DenseMlp(int dModel, int width, string activation, TensorRandom rng) : base(width, activation)
    {
        In = AddModule("in", new Linear(dModel, width, bias: true, rng, Initialization.Normal002));
        Out = AddModule("out", new Linear(width, dModel, bias: true, rng, Initialization.Normal002));
    }

    public Linear In { get; }    // weight [d_mlp, D]
    public Linear Out { get; }   // weight [D, d_mlp]

    public override Tensor Forward(Tensor x)
    {
        var pre = HookPre.Apply(In.Forward(x));                            // [B, T, d_mlp]
        var post = HookPost.Apply(Activation.Apply(ActivationName, pre));  // [B, T, d_mlp]
        return Out.Forward(post);                                          // [B, T, D]
    }
}

/// <summary>
/// Llama's gated MLP: down(act(gate(x))·up(x)). <c>hook_pre</c> is gate(x), <c>hook_pre_linear</c>
/// is up(x), <c>hook_post</c> is act(gate(x))·up(x), as in TransformerLens.
/// </summary>
public sealed class GatedMlp : FeedForward
{
    public GatedMlp(int dModel, int width, string activation, bool bias, TensorRandom rng) : base(width, activation)
    {
        Gate = AddModule("gate", new Linear(dModel, width, bias, rng, Initialization.Normal002));
        Up = AddModule("up", new Linear(dModel, width, bias, rng, Initialization.Normal002));
        Down = AddModule("down", new Linear(width, dModel, bias, rng, Initialization.Normal002));
        HookPreLinear = AddHookPoint("hook_pre_linear");
        HookPreLinear.ShapeOf = (b, t) => [b, t, width];
    }

    public Linear Gate { get; }   // weight [d_mlp, D]
    public Linear Up { get; }     // weight [d_mlp, D]
    public Linear Down { get; }   // weight [D, d_mlp]
    public HookPoint HookPreLinear { get; }   // [B, T, d_mlp]

    public override Tensor Forward(Tensor x)
    {
        var pre = HookPre.Apply(Gate.Forward(x));                 // [B, T, d_mlp]
        var linear = HookPreLinear.Apply(Up.Forward(x));          // [B, T, d_mlp]
        var post = HookPost.Apply(Activation.Apply(ActivationName, pre).Mul(linear));   // [B, T, d_mlp]
        return Down.Forward(post);                                // [B, T, D]
    }
}
