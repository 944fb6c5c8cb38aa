using System.Globalization;
using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.Conv;

/// <summary>
/// A small conv net: per stage conv → activation → max-pool, then flatten → [linear → activation]*
/// → linear head. Hook points: conv.{i}.hook_pre / hook_post ([B, channels, H, W], before and after
/// the activation, before pooling: one map per filter) and fc.{i}.hook_pre / hook_post ([B, width]).
/// </summary>
public sealed class ConvClassifier : Module, IClassifier
{
    Module IClassifier.Module => this;

    private readonly Conv2d[] convs;
    private readonly Linear[] fcs;
    private readonly HookPoint[] convPre, convPost, fcPre, fcPost;

    public ConvConfig Config { get; }
    public Linear Output { get; }
    public IReadOnlyList<Conv2d> ConvLayers => convs;
    public IReadOnlyList<Linear> HiddenLayers => fcs;

    public ConvClassifier(ConvConfig config, ulong seed)
    {
        Config = config;
        Activation.Validate(config.Activation, "config");
        int flattened = config.FlattenedSize;   // validates the geometry
        var rng = new TensorRandom(seed);
        var init = config.Activation is "tanh" or "sigmoid" ? Initialization.Xavier : Initialization.Kaiming;
        int n = config.Channels.Length;
        (convs, convPre, convPost) = (new Conv2d[n], new HookPoint[n], new HookPoint[n]);
        var convStages = AddModule("conv", new Container());
        for (int i = 0, inC = config.ImageChannels; i < n; inC = config.Channels[i], i++)
        {
            var stage = convStages.Add(Name(i), new Container());
            convs[i] = stage.Add("conv", new Conv2d(inC, config.Channels[i], config.KernelSize, 1, config.Padding, bias: true, rng, init));
            convPre[i] = stage.Hook("hook_pre");
            convPost[i] = stage.Hook("hook_post");
        }
        int m = config.HiddenSizes.Length, width = flattened;
        (fcs, fcPre, fcPost) = (new Linear[m], new HookPoint[m], new HookPoint[m]);
        var fcLayers = AddModule("fc", new Container());
        for (int i = 0; i < m; i++)
        {
            var layer = fcLayers.Add(Name(i), new Container());
            fcs[i] = layer.Add("linear", new Linear(width, config.HiddenSizes[i], bias: true, rng, init));
            fcPre[i] = layer.Hook("hook_pre");
            fcPost[i] = layer.Hook("hook_post");
            width = config.HiddenSizes[i];
        }
        Output = AddModule("head", new Linear(width, config.NumClasses, bias: true, rng, Initialization.Xavier));
        NameHookPoints();
    }

    /// <summary>x: [batch, C·H·W] (or already [batch, C, H, W]) → logits [batch, classes].</summary>
    public Tensor Forward(Tensor x) => NonFiniteOutput.Check(this, Logits(x), () => Logits(x));

    private Tensor Logits(Tensor x)
    {
        var c = Config;
        if (x.Size % c.InputSize != 0 || (x.Rank != 2 && x.Rank != 4))
            throw new ArgumentException($"ConvClassifier expects [B, {c.InputSize}] or [B, {c.ImageChannels}, {c.ImageHeight}, {c.ImageWidth}]; got {x.Describe()}");
        var h = x.Reshape(-1, c.ImageChannels, c.ImageHeight, c.ImageWidth);
        for (int i = 0; i < convs.Length; i++)
        {
            h = convPre[i].Apply(convs[i].Forward(h));
            h = convPost[i].Apply(Activation.Apply(c.Activation, h));
            if (c.PoolSize > 1) h = h.MaxPool2d(c.PoolSize);
        }
        h = h.Reshape(h.Shape[0], -1);
        for (int i = 0; i < fcs.Length; i++)
        {
            h = fcPre[i].Apply(fcs[i].Forward(h));
            h = fcPost[i].Apply(Activation.Apply(c.Activation, h));
        }
        return Output.Forward(h);
    }

    private static string Name(int i) => i.ToString(CultureInfo.InvariantCulture);
}
