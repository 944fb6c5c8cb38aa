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
public sealed record NetworkEvaluation(double Loss, double? Accuracy, long Count)
{
    /// <summary>
    /// The loss of each evaluated item (a language model's windows, each the mean over its predictions;
    /// a classifier's samples), in a fixed order, so two evaluations on the same data can be compared
    /// pair by pair (<see cref="Pruning.PairedDifference"/>). Null when not recorded. Not written to JSON.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double>? ItemLosses { get; init; }

    /// <summary>1 or 0 per evaluated sample (classifiers), in the order of <see cref="ItemLosses"/>; null for language models.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double>? ItemCorrect { get; init; }
}
