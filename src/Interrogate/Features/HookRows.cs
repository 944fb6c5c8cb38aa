using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Features;

/// <summary>Activations of a few hooks over a modest token range, collected in memory (for held-out evaluation).</summary>
public static class HookRows
{
    /// <summary>
    /// Runs the tokens through the model in non-overlapping windows of its context (a tail shorter
    /// than a window is dropped) and returns each hook's rows [windows·context, width].
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="tokens">Token ids.</param>
    /// <param name="hooks">Hook names, e.g. blocks.2.hook_resid_post.</param>
    /// <param name="batch">Windows per forward pass.</param>
    public static Dictionary<string, float[]> Collect(CausalLanguageModel model, int[] tokens, IReadOnlyList<string> hooks, int batch = 8)
    {
        int context = model.Dimensions.ContextLength, windows = tokens.Length / context;
        if (windows == 0) throw new InputException($"{tokens.Length} tokens are fewer than one window of {context}");
        var parts = hooks.Distinct().ToDictionary(h => h, _ => new List<float[]>());
        using var _ = GradientTape.NoGrad();
        for (int w = 0; w < windows; w += batch)
        {
            int n = Math.Min(batch, windows - w);
            var ids = new int[n * context];
            Array.Copy(tokens, w * context, ids, 0, ids.Length);
            using var scope = new HookScope().Cache([.. parts.Keys]);
            model.Forward(new TokenBatch(ids, n, context));
            foreach (var (hook, list) in parts)
            {
                if (!scope.Cached.TryGetValue(hook, out var t)) throw new InputException($"--hook {hook}: the model has no such hook point (see `interrogate hooks`)");
                list.Add(t.ContiguousData().Span.ToArray());
            }
        }
        return parts.ToDictionary(p => p.Key, p => p.Value.SelectMany(a => a).ToArray());
    }
}
