namespace Interrogate.Tensors.Autodiff;

/// <summary>
/// Reverse-mode autodiff by a tape. While a tape is active on this thread, every op whose inputs
/// require a gradient appends (output, backward rule) to it; <see cref="Backward"/> replays the
/// tape in reverse, each rule reading the output's gradient and accumulating into its inputs'.
/// Outside any tape nothing is recorded, so inference allocates no graph.
/// <code>
/// using var tape = new GradientTape();
/// var loss = model.Forward(x).CrossEntropy(y);
/// tape.Backward(loss);
/// </code>
/// </summary>
public sealed class GradientTape : IDisposable
{
    [ThreadStatic] private static GradientTape? current;
    [ThreadStatic] private static int pauseDepth;
    // The output whose backward rule is running, while the tape will drop its gradient right after
    // the rule (not the loss, not a tensor that retains its gradient); null otherwise.
    [ThreadStatic] private static Tensor? passable;

    private readonly GradientTape? previous;
    private readonly List<(Tensor Output, Action<Tensor> Backward)> entries = [];
    private bool disposed;

    public GradientTape()
    {
        previous = current;
        current = this;
    }

    /// <summary>Number of recorded ops (for tests and diagnostics).</summary>
    public int Count => entries.Count;

    /// <summary>True when an op with these inputs must record its backward rule.</summary>
    public static bool ShouldRecord(Tensor a) => current is not null && pauseDepth == 0 && a.RequiresGrad;
    public static bool ShouldRecord(Tensor a, Tensor b) => current is not null && pauseDepth == 0 && (a.RequiresGrad || b.RequiresGrad);
    public static bool ShouldRecord(ReadOnlySpan<Tensor> inputs)
    {
        if (current is null || pauseDepth != 0) return false;
        foreach (var t in inputs) if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>
    /// Records the backward rule of an op. The rule receives the gradient of <paramref name="output"/>
    /// and must add (never assign) into the <see cref="Tensor.GradSpan"/> of each input that requires grad.
    /// Call only after <see cref="ShouldRecord(Tensor)"/> returned true.
    /// </summary>
    public static void Record(Tensor output, Action<Tensor> backward)
    {
        var tape = current ?? throw new InvalidOperationException("no active GradientTape");
        output.RequiresGrad = true;
        tape.entries.Add((output, backward));
    }

    /// <summary>Scope in which nothing is recorded, even inside a tape (evaluation, weight updates).</summary>
    public static IDisposable NoGrad() => new PauseScope();

    /// <summary>True when ops are being recorded on this thread.</summary>
    public static bool IsRecording => current is not null && pauseDepth == 0;

    /// <summary>
    /// Back-propagates from <paramref name="loss"/> (seeded with ones, or with <paramref name="seed"/>),
    /// then clears the tape. Leaves (tensors not produced by a recorded op) and tensors with
    /// <see cref="Tensor.RetainsGrad"/> keep their gradients; intermediate gradients are released.
    /// </summary>
    public void Backward(Tensor loss, Tensor? seed = null)
    {
        if (!loss.RequiresGrad) throw new InvalidOperationException("loss does not depend on any tensor that requires grad");
        loss.Grad = seed?.Clone() ?? Tensor.Full(1f, loss.Shape);
        using (NoGrad())
        {
            for (int i = entries.Count - 1; i >= 0; i--)
            {
                var (output, backward) = entries[i];
                if (output.Grad is null) continue;
                passable = output.RetainsGrad || ReferenceEquals(output, loss) ? null : output;
                try { backward(output.Grad); }
                finally { passable = null; }
                if (!output.RetainsGrad && !ReferenceEquals(output, loss)) output.Grad = null;
            }
        }
        entries.Clear();
    }

    /// <summary>
    /// Inside a backward rule: hands the output's gradient <paramref name="g"/> on to
    /// <paramref name="x"/> as its gradient (the same buffer viewed in x's shape) instead of adding
    /// it into a new zeroed one, when x has no gradient yet, g is contiguous with x's size, and the
    /// tape drops g right after this rule. At most once per rule, so two inputs never share a
    /// buffer. Returns false when it cannot; the rule then accumulates as usual. For rules whose
    /// input gradient equals the output gradient element for element (reshape, copies, sums).
    /// </summary>
    internal static bool TryPassGradient(Tensor g, Tensor x)
    {
        var owner = passable;
        if (owner is null || !ReferenceEquals(owner.Grad, g) || x.Grad is not null || !g.IsContiguous || g.Size != x.Size) return false;
        passable = null;
        x.Grad = new Tensor(g.Storage, g.Offset, x.Shape, Shape.ContiguousStrides(x.Shape));
        return true;
    }

    /// <summary>Drops every recorded op without computing gradients.</summary>
    public void Clear() => entries.Clear();

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        entries.Clear();
        if (ReferenceEquals(current, this)) current = previous;
    }

    private sealed class PauseScope : IDisposable
    {
        private bool done;
        public PauseScope() => pauseDepth++;
        public void Dispose()
        {
            if (done) return;
            done = true;
            pauseDepth--;
        }
    }
}
