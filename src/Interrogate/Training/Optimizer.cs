using Interrogate.Tensors;

namespace Interrogate.Training;

/// <summary>
/// Updates parameters from their gradients. State (momenta) is kept per parameter, by name, so it
/// can be checkpointed and restored exactly.
/// </summary>
public abstract class Optimizer
{
    protected IReadOnlyList<(string Name, Tensor Tensor)> Parameters { get; }

    protected Optimizer(IEnumerable<(string Name, Tensor Tensor)> parameters, float learningRate)
    {
        Parameters = [.. parameters];
        LearningRate = learningRate;
    }

    /// <summary>The rate used by the next <see cref="Step"/>; schedules set it before each step.</summary>
    public float LearningRate { get; set; }

    /// <summary>Number of steps taken (Adam's bias correction uses it).</summary>
    public long StepCount { get; protected set; }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        foreach (var (name, p) in Parameters)
            if (p.Grad is { } g) Update(name, p.Span, g.Span);
    }

    protected abstract void Update(string name, Span<float> weights, ReadOnlySpan<float> grad);

    /// <summary>Drops every parameter's gradient; the buffers are kept for the next backward pass (see <see cref="Tensor.ReleaseGrad"/>).</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in Parameters) p.ReleaseGrad();
    }

    /// <summary>Named state tensors (e.g. "exp_avg/layers.0.weight") plus the step count, for checkpoints.</summary>
    public abstract IEnumerable<(string Name, Tensor Tensor)> State();

    /// <summary>Restores state saved by <see cref="State"/>.</summary>
    public abstract void LoadState(IReadOnlyDictionary<string, Tensor> state, long stepCount);
}
