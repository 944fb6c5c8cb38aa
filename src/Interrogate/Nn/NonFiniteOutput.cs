using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Nn;

/// <summary>
/// Non-finite values are found, not printed: a model loaded from files (<see cref="Module.RefuseNonFinite"/>)
/// checks the output of every forward pass, and when it holds NaN or ±Inf the pass is run again
/// with every hook point cached to name the first one where a non-finite value appears (the tool
/// interrogates itself). Checking the output once, where every command's numbers come from, covers
/// every result (losses, activations, attributions, generated logits, pruning and redundancy
/// scores) without a check in each command; NaN that an analysis uses on purpose for "undefined"
/// (an interval from too few samples) is not touched.
/// </summary>
public static class NonFiniteOutput
{
    /// <summary>Returns <paramref name="output"/> when it is finite or the model does not refuse non-finite values; throws otherwise.</summary>
    /// <param name="model">The whole model (its <see cref="Module.RefuseNonFinite"/> decides).</param>
    /// <param name="output">What the forward pass returns (logits).</param>
    /// <param name="rerun">The same forward pass again, unchecked, for <see cref="FirstHook"/>.</param>
    public static Tensor Check(Module model, Tensor output, Action rerun)
    {
        if (!model.RefuseNonFinite) return output;
        var values = output.ContiguousData().Span;
        if (TensorPrimitives.IsFiniteAll(values)) return output;
        string kind = TensorPrimitives.IsNaNAny(values) ? "NaN" : "infinity";
        string where = FirstHook(model, rerun) is { } hook
            ? $"the first non-finite value appears at {hook}"
            : "no hook point holds one, so it first appears in the output layer";
        throw new InputException($"the model's output holds {kind}: {where}; its weights hold non-finite values or overflow float32 on this input");
    }

    /// <summary>
    /// The first hook point, in the order the forward pass runs them, whose activation holds NaN or
    /// ±Inf when <paramref name="forward"/> runs; null when none does. The model's own check is off meanwhile.
    /// </summary>
    public static string? FirstHook(Module model, Action forward)
    {
        bool refused = model.RefuseNonFinite;
        model.RefuseNonFinite = false;
        try
        {
            using var _ = GradientTape.NoGrad();
            using var hooks = new HookScope().Cache(_ => true);
            forward();
            foreach (var name in hooks.Seen)
                if (hooks.Cached.TryGetValue(name, out var activation) && !TensorPrimitives.IsFiniteAll(activation.ContiguousData().Span))
                    return name;
            return null;
        }
        finally { model.RefuseNonFinite = refused; }
    }
}
