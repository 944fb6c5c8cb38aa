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
    /// <summary>
    /// How hidden weights are drawn: "auto" (Xavier for tanh/sigmoid, else Kaiming), "kaiming",
    /// "xavier", "normal" (N(0, 0.02)) or "pytorch" (U(±1/sqrt(fan_in))). Only shapes the
    /// initial weights, so it is not stored with them.
    /// </summary>
    public string Init { get; init; } = "auto";

    public static readonly IReadOnlyList<string> InitNames = ["auto", "kaiming", "xavier", "normal", "pytorch"];
}
