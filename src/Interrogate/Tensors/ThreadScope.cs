namespace Interrogate.Tensors;

/// <summary>
/// A promise made for one thread until disposed (<see cref="PrepackedWeights"/>, <see cref="Models.Transformer.ReusedLogits"/>):
/// the newest undisposed scope of a kind is <see cref="Current"/>, scopes nest like <see cref="Nn.HookScope"/>, and
/// <see cref="Suspend"/> hides the current one for a while (benchmarks comparing both routes rep by rep).
/// </summary>
public abstract class ThreadScope<TSelf> : IDisposable where TSelf : ThreadScope<TSelf>
{
    [ThreadStatic] private static TSelf? current;
    private readonly TSelf? previous;

    protected ThreadScope()
    {
        previous = current;
        current = (TSelf)this;
    }

    /// <summary>This thread's scope of this kind, or null.</summary>
    internal static TSelf? Current => current;

    /// <summary>True once disposed.</summary>
    protected bool Ended { get; private set; }

    /// <summary>Until disposed, this thread runs as without any scope of this kind (the scope stays alive).</summary>
    public static IDisposable Suspend()
    {
        var saved = current;
        current = null;
        return new Restore(saved);
    }

    private sealed class Restore(TSelf? saved) : IDisposable
    {
        public void Dispose() => current = saved;
    }

    /// <summary>Releases what the scope holds; called once, by the first <see cref="Dispose"/>.</summary>
    protected virtual void OnEnd() { }

    public void Dispose()
    {
        if (Ended) return;
        Ended = true;
        OnEnd();
        if (current == this) current = previous;
        GC.SuppressFinalize(this);
    }
}
