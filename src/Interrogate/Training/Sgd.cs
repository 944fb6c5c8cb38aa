using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Interrogate.Tensors;

namespace Interrogate.Training;

/// <summary>
/// Stochastic gradient descent with optional momentum (PyTorch's form: v = μ·v + g; w -= lr·v)
/// and L2 weight decay added to the gradient.
/// </summary>
public sealed class Sgd(IEnumerable<(string Name, Tensor Tensor)> parameters, float learningRate,
    float momentum = 0f, float weightDecay = 0f) : Optimizer(parameters, learningRate)
{
    private readonly Dictionary<string, float[]> velocity = [];

    protected override void Update(string name, Span<float> w, ReadOnlySpan<float> grad)
    {
        ReadOnlySpan<float> step = grad;
        if (momentum != 0f)
        {
            // v = μ·v + (g + λ·w); the first step starts v at the gradient, as PyTorch does.
            bool first = !velocity.TryGetValue(name, out var v);
            if (first) velocity[name] = v = new float[w.Length];
            if (first) grad.CopyTo(v); else TensorPrimitives.MultiplyAdd(v!, momentum, grad, v!);
            if (weightDecay != 0f) TensorPrimitives.MultiplyAdd(w, weightDecay, v!, v!);
            step = v;
        }
        else if (weightDecay != 0f)
        {
            TensorPrimitives.Multiply(w, 1f - LearningRate * weightDecay, w);
        }
        TensorPrimitives.MultiplyAdd(step, -LearningRate, w, w);
    }

    public override IEnumerable<(string Name, Tensor Tensor)> State() =>
        velocity.Select(kv => ("momentum/" + kv.Key, new Tensor(kv.Value, kv.Value.Length)));

    public override void LoadState(IReadOnlyDictionary<string, Tensor> state, long stepCount)
    {
        velocity.Clear();
        foreach (var (key, t) in state)
            if (key.StartsWith("momentum/", StringComparison.Ordinal)) velocity[key["momentum/".Length..]] = t.ToArray();
        StepCount = stepCount;
    }
}
