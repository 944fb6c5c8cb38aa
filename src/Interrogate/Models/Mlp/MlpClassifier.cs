using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.Mlp;

/// <summary>
/// A feed-forward classifier: [Linear → (LayerNorm) → activation → (Dropout)] per hidden layer,
/// then a Linear to the class logits. Hook points per hidden layer: layers.{i}.hook_pre (before the
/// activation) and layers.{i}.hook_post (after it) — the "neurons" analyses talk about.
/// </summary>
public sealed class MlpClassifier : Module, IClassifier
{
    Module IClassifier.Module => this;

    private readonly Linear[] hidden;
    private readonly LayerNorm?[] norms;
    private readonly HookPoint[] hookPre;
    private readonly HookPoint[] hookPost;
    private readonly TensorRandom dropoutRng;

    public MlpConfig Config { get; }
    public Linear Output { get; }
    public IReadOnlyList<Linear> HiddenLayers => hidden;
    /// <summary>The LayerNorm after each hidden Linear, null where the config has none.</summary>
    public IReadOnlyList<LayerNorm?> Norms => norms;

    public MlpClassifier(MlpConfig config, ulong seed)
    {
        Config = config;
        Activation.Validate(config.Activation, "config");
        var rng = new TensorRandom(seed);
        var init = config.Init switch
        {
            "kaiming" => Initialization.Kaiming,
            "xavier" => Initialization.Xavier,
            "normal" => Initialization.Normal002,
            "pytorch" => Initialization.PyTorchDefault,
            "auto" => config.Activation is "tanh" or "sigmoid" ? Initialization.Xavier : Initialization.Kaiming,
            _ => throw new InputException($"config: unknown init '{config.Init}' (known: {string.Join(", ", MlpConfig.InitNames)})"),
        };
        int n = config.HiddenSizes.Length;
        hidden = new Linear[n];
        norms = new LayerNorm?[n];
        hookPre = new HookPoint[n];
        hookPost = new HookPoint[n];
        var layers = AddModule("layers", new Container());
        int width = config.InputSize;
        for (int i = 0; i < n; i++)
        {
            var block = layers.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture), new Container());
            hidden[i] = block.Add("linear", new Linear(width, config.HiddenSizes[i], bias: true, rng, init));
            if (config.Normalization == "layernorm") norms[i] = block.Add("norm", new LayerNorm(config.HiddenSizes[i], 1e-5f));
            hookPre[i] = block.Hook("hook_pre");
            hookPost[i] = block.Hook("hook_post");
            width = config.HiddenSizes[i];
        }
        Output = AddModule("head", new Linear(width, config.NumClasses, bias: true, rng, Initialization.Xavier));
        dropoutRng = rng.Fork();
        NameHookPoints();
    }

    /// <summary>x: [batch, input] → logits [batch, classes].</summary>
    public Tensor Forward(Tensor x) => NonFiniteOutput.Check(this, Logits(x), () => Logits(x));

    private Tensor Logits(Tensor x)
    {
        var h = x;
        for (int i = 0; i < hidden.Length; i++)
        {
            h = hidden[i].Forward(h);
            if (norms[i] is { } norm) h = norm.Forward(h);
            h = hookPre[i].Apply(h);
            h = Activation.Apply(Config.Activation, h);
            h = hookPost[i].Apply(h);
            if (Config.Dropout > 0f) h = h.Dropout(Config.Dropout, dropoutRng, Training);
        }
        return Output.Forward(h);
    }
}
