namespace Interrogate.Models.Mlp;

/// <summary>
/// Shape and switches of an MLP classifier; stored as config.json beside model.safetensors.
/// Hidden widths may differ per layer (pruning writes narrower layers back here).
/// </summary>
public sealed record MlpConfig
{
    public const string ModelType = "interrogate-mlp";

    public int InputSize { get; init; } = 784;
    public int[] HiddenSizes { get; init; } = [256, 128];
    public int NumClasses { get; init; } = 10;
    public string Activation { get; init; } = "relu";
    /// <summary>"none" or "layernorm" after each hidden linear layer, before the activation.</summary>
    public string Normalization { get; init; } = "none";
    public float Dropout { get; init; }
}
