using Interrogate.Nn;

namespace Interrogate.Analysis.Importance;

/// <summary>
/// One layer of neurons that are scored and removed together. Neuron j is row j of every
/// <see cref="Incoming"/> linear (GPT-2: mlp.in; Llama: mlp.gate and mlp.up; the MLP classifier: the
/// hidden linear) and column j of <see cref="Outgoing"/> (the linear that reads the activations at
/// <see cref="ActivationHook"/>). <see cref="InputHook"/> names the activation the incoming linears
/// read (null: the network's raw input), which Wanda needs for its input norms.
/// </summary>
public sealed record NeuronLayer(string Name, string ActivationHook, string? InputHook, IReadOnlyList<Linear> Incoming, Linear Outgoing)
{
    /// <summary>The number of neurons.</summary>
    public int Width => Incoming[0].Weight.Shape[0];
}

/// <summary>Accuracy and mean loss on a network's evaluation data; Accuracy is null for language models.</summary>
public sealed record NetworkEvaluation(double Loss, double? Accuracy, long Count);
