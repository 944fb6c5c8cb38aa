using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>
/// A normalisation over the last axis with a <c>hook_normalized</c> point on its output
/// (after the learned scale and shift, for both LayerNorm and RmsNorm).
/// </summary>
public abstract class Normalization : Module
{
    protected Normalization(int size)
    {
        Size = size;
        HookNormalized = AddHookPoint("hook_normalized");   // [.., D]
    }

    /// <summary>The normalised width D.</summary>
    public int Size { get; }
    public HookPoint HookNormalized { get; }

    /// <summary>x: [.., D] → [.., D].</summary>
    public Tensor Forward(Tensor x) => HookNormalized.Apply(Normalize(x));

    protected abstract Tensor Normalize(Tensor x);

    /// <summary>
    /// The same arithmetic as <see cref="Normalize"/> on whole rows of D, from span to span and not
    /// recorded or hooked: for fused inference paths that run it inside their own row loop.
    /// x, y: rows·D floats (may not overlap).
    /// </summary>
    internal abstract void NormalizeRows(ReadOnlySpan<float> x, Span<float> y);
}
