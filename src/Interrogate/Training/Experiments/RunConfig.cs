namespace Interrogate.Training.Experiments;

/// <summary>
/// Every switch of one classifier run in an experiment. Property names, in snake_case, are the
/// spec keys (see <see cref="RunConfigKeys"/>); the defaults are what a spec gets when it says nothing.
/// </summary>
public sealed record RunConfig
{
    // Model
    /// <summary>"mlp", "conv" or "rnn" (see <see cref="ModelFactory"/>).</summary>
    public string Model { get; init; } = "mlp";
    public int[] HiddenSizes { get; init; } = [128];
    public string Activation { get; init; } = "relu";
    /// <summary>"none" or "layernorm".</summary>
    public string Normalization { get; init; } = "none";
    public float Dropout { get; init; }
    /// <summary>"auto", "kaiming", "xavier", "normal" or "pytorch".</summary>
    public string Init { get; init; } = "auto";
    /// <summary>Conv only: output channels of each conv → activation → max-pool stage.</summary>
    public int[] Channels { get; init; } = [16, 32];
    public int KernelSize { get; init; } = 5;
    public int PoolSize { get; init; } = 2;
    /// <summary>Rnn only: "gru" or "lstm".</summary>
    public string Cell { get; init; } = "gru";

    // Optimisation
    public string Optimizer { get; init; } = "adamw";
    public float Lr { get; init; } = 1e-3f;
    public float WeightDecay { get; init; } = 0.01f;
    public float Momentum { get; init; } = 0.9f;
    public bool CosineSchedule { get; init; } = true;
    public int Epochs { get; init; } = 3;
    public int BatchSize { get; init; } = 64;

    // Data
    /// <summary>"none", "global" or "per_pixel": mean/std from the training set, applied inside the model.</summary>
    public string Standardise { get; init; } = "none";
    /// <summary>Random translations of up to ±shift pixels, drawn afresh each epoch (0: off).</summary>
    public int Shift { get; init; }
    /// <summary>Fraction of the training set used, drawn by the run's seed.</summary>
    public double DataFraction { get; init; } = 1;

    // Adversarial training
    /// <summary>"none", "fgsm", "pgd" or "generator".</summary>
    public string Adversarial { get; init; } = "none";
    /// <summary>L∞ budget of training perturbations, in pixel units (pixels lie in [0, 1]).</summary>
    public float Epsilon { get; init; } = 0.1f;
    /// <summary>Share of each batch replaced by its adversarial version.</summary>
    public double AdversarialFraction { get; init; } = 0.5;
    /// <summary>PGD steps when crafting training examples.</summary>
    public int AttackSteps { get; init; } = 5;
    public int GeneratorHidden { get; init; } = 128;
    public float GeneratorLr { get; init; } = 1e-3f;

    // Robustness evaluation
    /// <summary>PGD budget for the robust accuracy on the test set; 0 skips it.</summary>
    public float RobustEpsilon { get; init; }
    public int RobustSteps { get; init; } = 10;
    /// <summary>Test images attacked for robust accuracy (the first ones); 0: all.</summary>
    public int RobustCount { get; init; }
}
