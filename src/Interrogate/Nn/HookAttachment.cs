using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>
/// A hook point computed from another one and spliced back into it, the way SAELens's
/// HookedSAETransformer splices a sparse dictionary into a model: the attachment's own activation
/// (e.g. feature activations, <c>blocks.2.hook_resid_post.hook_sae_acts_post</c>) can be cached,
/// edited and differentiated like any hook point, and whatever an edit changes is written back into
/// the host hook. It runs only when a scope wants its name, so an unused attachment costs nothing
/// and leaves every activation bit-identical.
/// </summary>
public abstract class HookAttachment
{
    /// <summary>Full hook name of the attachment's activation.</summary>
    public abstract string Name { get; }

    /// <summary>The hook point it is spliced into (and described after); it may also watch others.</summary>
    public abstract string Host { get; }

    /// <summary>
    /// When changing unit i of the attachment by δ adds δ·direction(i) to <see cref="Host"/> and
    /// nothing else (a dictionary feature's decoder row), the direction [host width]; else null.
    /// Ablation uses it to skip recomputing what the change cannot reach.
    /// </summary>
    public virtual float[]? WriteDirection(int index) => null;

    /// <summary>Its activation's shape for an input of [batch, seq] tokens.</summary>
    public abstract int[] Shape(int batch, int seq);

    /// <summary>
    /// The host's activation after the attachment ran: compute the attachment's activation, pass it
    /// through <paramref name="scope"/> with <see cref="HookScope.Run"/> under <see cref="Name"/>, and
    /// write any change back into <paramref name="host"/>.
    /// </summary>
    /// <param name="hostName">The host hook the forward pass is at (an attachment may watch several).</param>
    /// <param name="host">The host hook's activation (after the scope's own edits of the host).</param>
    /// <param name="scope">The active scope; it wants <see cref="Name"/>.</param>
    public abstract Tensor Apply(string hostName, Tensor host, HookScope scope);

    /// <summary>Runs <paramref name="activation"/> through the scope under this attachment's name (cache, edits, gradient).</summary>
    protected Tensor RunHook(HookScope scope, Tensor activation) => scope.Run(Name, activation);
}
