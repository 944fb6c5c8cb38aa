using Interrogate.Nn;
using Interrogate.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Interrogate.Features;

/// <summary>
/// A dictionary's features as units of a model, for analyses that ablate or patch units. A feature
/// is edited through its decoder contribution only, and the dictionary's reconstruction error is
/// kept: the hook's new value is x + Σ_f (f′ − f)·W_dec[f], so with no feature changed the rest of
/// the model sees exactly what it saw before (not the dictionary's reconstruction). Edits attach to
/// a <see cref="HookScope"/>: for an autoencoder on the hook itself, for a transcoder on its output
/// hook, encoding the input hook cached earlier in the same forward pass.
/// <code>
/// var units = new FeatureUnits(SaeLensFormat.Load("sae/"));
/// using var hooks = new HookScope();
/// units.Ablate(hooks, [17, 512]);            // zero-ablate two features
/// model.Forward(ids);
/// </code>
/// </summary>
public sealed class FeatureUnits(SparseDictionary dictionary)
{
    public SparseDictionary Dictionary { get; } = dictionary;
    public int Count => Dictionary.Latents;

    /// <summary>Feature activations of an activation of the input hook.</summary>
    /// <param name="activation">[..., InputWidth]; leading axes are flattened into rows.</param>
    public SparseCodes Encode(Tensor activation)
    {
        var data = activation.ContiguousData().Span;
        return Dictionary.Encode(data, data.Length / Dictionary.InputWidth);
    }

    /// <summary>Dense feature activations [rows, Count] of an activation of the input hook (for recording and top-k).</summary>
    /// <param name="activation">[..., InputWidth].</param>
    public float[] Activations(Tensor activation) => Encode(activation).ToDense(Count);

    /// <summary>
    /// Sets the given features to a value (0: zero ablation; or per-feature values, e.g. their means)
    /// at every position, keeping the reconstruction error.
    /// </summary>
    /// <param name="scope">The scope whose forward passes see the edit.</param>
    /// <param name="features">Feature indices.</param>
    /// <param name="values">[Count] replacement value per feature, or null for 0.</param>
    public HookScope Ablate(HookScope scope, IReadOnlyList<int> features, float[]? values = null) =>
        Attach(scope, features, (row, f) => values?[f] ?? 0f);

    /// <summary>
    /// Sets the given features to their activations in another run (position by position), keeping
    /// this run's reconstruction error: activation patching of features.
    /// </summary>
    /// <param name="scope">The scope whose forward passes see the edit.</param>
    /// <param name="features">Feature indices.</param>
    /// <param name="source">[rows, Count] dense feature activations of the source run (same batch shape).</param>
    public HookScope Patch(HookScope scope, IReadOnlyList<int> features, float[] source) =>
        Attach(scope, features, (row, f) => source[(long)row * Count + f]);

    /// <summary>
    /// Replaces the output hook by the dictionary's reconstruction x̂ (error dropped): how a
    /// dictionary is spliced in to measure the loss it recovers.
    /// </summary>
    public HookScope Splice(HookScope scope)
    {
        if (Dictionary.IsTranscoder) scope.Cache(Dictionary.HookIn);
        return scope.Edit(Dictionary.HookOut, output =>
        {
            var input = Dictionary.IsTranscoder ? scope.Cached[Dictionary.HookIn] : output;
            var codes = Encode(input);
            return new Tensor(Dictionary.Decode(codes), (int[])output.Shape.Clone());
        });
    }

    // Adds (newValue(row, f) − f's activation)·W_dec[f] to each row of the output hook, for the given features.
    private HookScope Attach(HookScope scope, IReadOnlyList<int> features, Func<int, int, float> newValue)
    {
        foreach (int f in features) ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)f, (uint)Count, nameof(features));
        if (Dictionary.IsTranscoder) scope.Cache(Dictionary.HookIn);
        return scope.Edit(Dictionary.HookOut, output =>
        {
            if (features.Count == 0) return output;
            var input = Dictionary.IsTranscoder ? scope.Cached[Dictionary.HookIn] : output;
            var codes = Encode(input);
            int w = Dictionary.OutputWidth;
            var result = output.ContiguousData().Span.ToArray();
            for (int i = 0; i < codes.Rows; i++)
            {
                var row = result.AsSpan(i * w, w);
                foreach (int f in features)
                {
                    float current = 0f;
                    for (int e = codes.RowStart[i]; e < codes.RowStart[i + 1]; e++) if (codes.Index[e] == f) current = codes.Value[e];
                    float delta = newValue(i, f) - current;
                    if (delta != 0f) TensorPrimitives.MultiplyAdd(Dictionary.DecoderWeight.AsSpan(f * w, w), delta, row, row);
                }
            }
            return new Tensor(result, (int[])output.Shape.Clone());
        });
    }
}
