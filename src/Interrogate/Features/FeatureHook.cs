using System.Runtime.CompilerServices;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Features;

/// <summary>
/// A dictionary's features as a hook point of the model, so every analysis that studies units of a
/// hook (neurons, activations, patch, attribute) studies features the same way. The hook is named
/// as SAELens's HookedSAETransformer names it, <c>{hook}.hook_sae_acts_post</c>, with shape
/// [batch, position, latents]; its units are <see cref="UnitRef"/>s like any other
/// (<c>blocks.2.hook_resid_post.hook_sae_acts_post[123]</c>). An edit of feature activations
/// changes the output hook by Σ (f′ − f)·W_dec[f] only: the reconstruction error is kept, so with
/// no edit the rest of the model sees exactly what it saw before (the same edit as
/// <see cref="FeatureUnits.Ablate"/>). A transcoder encodes its input hook, watched earlier in the
/// same forward pass. Gradients reach the features when the tape records.
/// <code>
/// var features = FeatureHook.Attach(model, SaeLensFormat.Load("sae/"));
/// using var hooks = new HookScope().Cache(features.Name);
/// model.Forward(ids);   // hooks.Cached[features.Name]: [1, T, latents]
/// </code>
/// </summary>
public sealed class FeatureHook : HookAttachment
{
    /// <summary>SAELens's name of the feature activations under the dictionary's hook.</summary>
    public const string Suffix = "hook_sae_acts_post";

    private readonly ConditionalWeakTable<HookScope, Tensor> inputs = [];   // a transcoder's input, per scope
    private readonly Tensor decoder;                                        // [Latents, OutputWidth]

    private FeatureHook(SparseDictionary dictionary)
    {
        Dictionary = dictionary;
        decoder = new Tensor(dictionary.DecoderWeight, dictionary.Latents, dictionary.OutputWidth);
    }

    public SparseDictionary Dictionary { get; }
    public override string Name => NameOf(Dictionary.HookOut);
    public override string Host => Dictionary.HookOut;

    /// <summary>The feature hook's name for a dictionary whose output hook is <paramref name="hookOut"/>.</summary>
    public static string NameOf(string hookOut) => $"{hookOut}.{Suffix}";

    public override int[] Shape(int batch, int seq) => [batch, seq, Dictionary.Latents];

    public override float[]? WriteDirection(int index) =>
        Dictionary.DecoderWeight.AsSpan(index * Dictionary.OutputWidth, Dictionary.OutputWidth).ToArray();

    /// <summary>
    /// Splices the dictionary into <paramref name="model"/> (replacing a dictionary already on the
    /// same hook); InputException when its hooks are not [batch, position, width] hook points of the
    /// model with the dictionary's widths.
    /// </summary>
    public static FeatureHook Attach(CausalLanguageModel model, SparseDictionary dictionary, string source = "the dictionary")
    {
        var shapes = model.DescribeHookPoints(1, 1).ToDictionary(h => h.Name, h => h.Shape);
        foreach (var (hook, width) in new[] { (dictionary.HookIn, dictionary.InputWidth), (dictionary.HookOut, dictionary.OutputWidth) })
        {
            if (!shapes.TryGetValue(hook, out var shape) || shape.Length != 3)
                throw new InputException($"{source}: hook '{hook}' is not a [batch, position, width] hook point of this model; `interrogate hooks` lists them");
            if (shape[2] != width)
                throw new InputException($"{source}: hook '{hook}' has width {shape[2]} in this model but the dictionary expects {width}");
        }
        var attachment = new FeatureHook(dictionary);
        foreach (var hook in new[] { dictionary.HookIn, dictionary.HookOut }.Distinct())
        {
            var point = model.FindHookPoint(hook)!;
            point.Attachments.RemoveAll(a => a.Name == attachment.Name);
            point.Attachments.Add(attachment);
        }
        return attachment;
    }

    public override Tensor Apply(string hostName, Tensor host, HookScope scope)
    {
        if (Dictionary.IsTranscoder && hostName == Dictionary.HookIn)
        {
            inputs.AddOrUpdate(scope, host);
            return host;
        }
        var input = Dictionary.IsTranscoder
            ? inputs.TryGetValue(scope, out var seen) ? seen : throw new InvalidOperationException($"{Name}: the transcoder's input {Dictionary.HookIn} did not run before its output")
            : host;
        var codes = Dictionary.Encode(input.ContiguousData().Span, input.Size / Dictionary.InputWidth);
        int[] shape = [.. host.Shape[..^1], Dictionary.Latents];
        var clean = codes.ToDense(Dictionary.Latents);
        var features = new Tensor(clean, shape) { RequiresGrad = GradientTape.IsRecording };
        var edited = RunHook(scope, features);
        if (features.RequiresGrad)
        {
            // host + (f′ − f)·W_dec with f a constant: the value is the host's when nothing is edited, and the gradient reaches f′.
            var change = edited.Sub(new Tensor(clean, shape)).Reshape(-1, Dictionary.Latents).MatMul(decoder);
            return host.Add(change.Reshape(host.Shape));
        }
        return ReferenceEquals(edited, features) ? host : AddChange(host, clean, edited.ContiguousData().Span);
    }

    /// <summary>host + Σ_f (edited − clean)·W_dec[f], touching only the features that changed.</summary>
    private Tensor AddChange(Tensor host, float[] clean, ReadOnlySpan<float> edited)
    {
        int m = Dictionary.Latents, w = Dictionary.OutputWidth;
        var result = host.ContiguousData().Span.ToArray();
        var weights = Dictionary.DecoderWeight;
        for (int r = 0; r < clean.Length / m; r++)
        {
            var row = result.AsSpan(r * w, w);
            for (int f = 0; f < m; f++)
            {
                float delta = edited[r * m + f] - clean[r * m + f];
                if (delta != 0f) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(weights.AsSpan(f * w, w), delta, row, row);
            }
        }
        return new Tensor(result, (int[])host.Shape.Clone());
    }
}
