using System.Numerics.Tensors;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis;

/// <summary>
/// Where a NaN or infinity first appears in a forward pass: the tool interrogates itself. A result
/// that is not finite (a loss of NaN) is then reported with the hook point to look at, not printed.
/// </summary>
public static class NonFiniteTrace
{
    /// <summary>
    /// The first hook point, in the order the forward pass runs them, whose activation holds NaN or
    /// ±Inf on the first context window of <paramref name="ids"/> ([T]); "the logits" when only the
    /// output is non-finite; null when the whole pass is finite.
    /// </summary>
    public static string? FirstHook(CausalLanguageModel model, int[] ids)
    {
        var window = ids[..Math.Min(ids.Length, model.Dimensions.ContextLength)];
        using var _ = GradientTape.NoGrad();
        using var hooks = new HookScope().Cache(_ => true);
        var logits = model.Forward(window);
        foreach (var name in hooks.Seen)
            if (hooks.Cached.TryGetValue(name, out var activation) && !TensorPrimitives.IsFiniteAll(activation.ContiguousData().Span))
                return name;
        return TensorPrimitives.IsFiniteAll(logits.ContiguousData().Span) ? null : "the logits";
    }
}
