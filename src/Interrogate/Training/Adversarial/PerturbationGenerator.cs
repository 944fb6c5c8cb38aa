using Interrogate.Models;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Training.Adversarial;

/// <summary>
/// A second network that learns to make data the classifier gets wrong: δ = ε·tanh(G([x, z])), with
/// G a one-hidden-layer MLP and z Gaussian noise (so one image can yield many perturbations). The
/// tanh bounds ‖δ‖∞ ≤ ε by construction. <see cref="TrainStep"/> ascends the classifier's loss;
/// training alternates it with classifier steps on clean and generated examples.
/// </summary>
public sealed class PerturbationGenerator : Module
{
    public const int NoiseSize = 16;

    private readonly Linear hidden;
    private readonly Linear output;
    private readonly TensorRandom rng;
    private readonly AdamW optimizer;

    public float Epsilon { get; }

    public PerturbationGenerator(int features, int hiddenSize, float epsilon, float learningRate, ulong seed)
    {
        rng = new TensorRandom(seed ^ 0x6E4E7A70UL);
        Epsilon = epsilon;
        hidden = AddModule("hidden", new Linear(features + NoiseSize, hiddenSize, bias: true, rng));
        output = AddModule("out", new Linear(hiddenSize, features, bias: true, rng, Initialization.Xavier));
        optimizer = new AdamW(NamedParameters(), learningRate, weightDecay: 0f);
    }

    /// <summary>δ for a batch, recorded on the tape when one is active. x: [batch, features] → δ [batch, features], |δ| ≤ ε.</summary>
    public Tensor Perturbation(Tensor x)
    {
        var z = rng.Normal([x.Shape[0], NoiseSize]);
        var h = hidden.Forward(Ops.Concat([x, z], axis: 1)).Relu();
        return output.Forward(h).Tanh().Mul(Epsilon);
    }

    /// <summary>
    /// One ascent step on the classifier's cross-entropy at x + δ; returns that loss. The classifier
    /// is frozen (eval mode, no weight gradients). x + δ is not clipped to [0, 1] here so the
    /// gradient reaches every output; <see cref="Generate"/> clips.
    /// </summary>
    public float TrainStep(IClassifier classifier, Tensor x, int[] y)
    {
        float loss;
        using (Attacks.EvalMode(classifier))
        using (Attacks.FreezeWeights(classifier))
        using (var tape = new GradientTape())
        {
            var ce = classifier.Forward(x.Add(Perturbation(x))).CrossEntropy(y);
            loss = ce.Item();
            tape.Backward(ce.Neg());
        }
        optimizer.Step();
        optimizer.ZeroGrad();
        return loss;
    }

    /// <summary>clip(x + δ, 0, 1), without gradients. x: [batch, features].</summary>
    public Tensor Generate(Tensor x)
    {
        using var _ = GradientTape.NoGrad();
        var adv = x.Add(Perturbation(x)).ContiguousData();
        Attacks.Project(adv.Span, x.Span, Epsilon);
        return adv;
    }
}
