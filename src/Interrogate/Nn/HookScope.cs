using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>
/// What to do at hook points during forward passes run inside this scope: cache activations,
/// replace them, or keep their gradients. Scopes are per thread and always reset on dispose, so a
/// forgotten hook never leaks into the next run.
/// <code>
/// using var hooks = new HookScope().Cache("blocks.0.mlp.hook_post");
/// model.Forward(ids);
/// var acts = hooks.Cached["blocks.0.mlp.hook_post"];
/// </code>
/// </summary>
public sealed class HookScope : IDisposable
{
    [ThreadStatic] private static HookScope? current;
    private readonly HookScope? previous;
    private readonly HashSet<string> toCache = [];
    private readonly List<Func<string, bool>> cacheFilters = [];
    private readonly Dictionary<string, List<Func<Tensor, Tensor>>> editors = [];
    private readonly HashSet<string> gradients = [];
    private bool disposed;

    public HookScope()
    {
        previous = current;
        current = this;
    }

    internal static HookScope? Current => current;

    /// <summary>Activations cached in this scope, by hook name: references to the tensors the forward pass used (no copy); clone one to keep it past later edits.</summary>
    public Dictionary<string, Tensor> Cached { get; } = [];

    /// <summary>Names of every hook point that ran in this scope, in order.</summary>
    public List<string> Seen { get; } = [];

    public HookScope Cache(params string[] names)
    {
        foreach (var n in names) toCache.Add(n);
        return this;
    }

    /// <summary>Caches every hook point whose name satisfies the predicate.</summary>
    public HookScope Cache(Func<string, bool> filter)
    {
        cacheFilters.Add(filter);
        return this;
    }

    /// <summary>Replaces the activation at a hook point by the function's result (ablation, patching, steering).</summary>
    public HookScope Edit(string name, Func<Tensor, Tensor> edit)
    {
        if (!editors.TryGetValue(name, out var list)) editors[name] = list = [];
        list.Add(edit);
        return this;
    }

    /// <summary>Keeps the gradient of the loss with respect to this activation; read it from <see cref="Cached"/>[name].Grad.</summary>
    public HookScope KeepGradient(params string[] names)
    {
        foreach (var n in names) { gradients.Add(n); toCache.Add(n); }
        return this;
    }

    /// <summary>
    /// True when this scope would cache, edit or keep the gradient of the named hook point. Models
    /// ask before materialising activations they otherwise skip (e.g. attention patterns).
    /// </summary>
    public bool Wants(string name) =>
        editors.ContainsKey(name) || gradients.Contains(name) || toCache.Contains(name) || cacheFilters.Any(f => f(name));

    internal Tensor Run(string name, Tensor activation)
    {
        Seen.Add(name);
        if (editors.TryGetValue(name, out var list))
            foreach (var edit in list) activation = edit(activation);
        if (gradients.Contains(name))
        {
            activation.RetainsGrad = true;
            Cached[name] = activation;
        }
        else if (toCache.Contains(name) || cacheFilters.Any(f => f(name)))
        {
            Cached[name] = activation;
        }
        return activation;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (ReferenceEquals(current, this)) current = previous;
    }
}
