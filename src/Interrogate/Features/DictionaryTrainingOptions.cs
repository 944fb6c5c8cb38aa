namespace Interrogate.Features;

/// <summary>How a sparse dictionary is trained; defaults follow common practice for TopK SAEs.</summary>
public sealed record DictionaryTrainingOptions
{
    /// <summary>Adam's peak learning rate (inputs are scaled to mean norm √width first, so it transfers across models).</summary>
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>Steps of linear warm-up from 0 to the peak rate.</summary>
    public int WarmupSteps { get; init; } = 100;
    /// <summary>Final fraction of the steps over which the rate decays linearly to 0.</summary>
    public float DecayFraction { get; init; } = 0.2f;
    /// <summary>ReLU dictionaries: the L1 coefficient on Σ f·‖W_dec row‖ (per token).</summary>
    public float L1 { get; init; } = 5f;
    /// <summary>JumpReLU: the L0 coefficient (per token).</summary>
    public float L0 { get; init; } = 1e-2f;
    /// <summary>JumpReLU: the rectangle kernel's bandwidth ε of the threshold's pseudo-derivative.</summary>
    public float Bandwidth { get; init; } = 1e-3f;
    /// <summary>JumpReLU: every threshold's starting value.</summary>
    public float InitialThreshold { get; init; } = 1e-3f;
    /// <summary>TopK: latents used by the AuxK loss on the residual (0: half the input width).</summary>
    public int AuxK { get; init; }
    /// <summary>TopK: the AuxK loss's weight α (Gao et al.: 1/32).</summary>
    public float AuxCoefficient { get; init; } = 1f / 32;
    /// <summary>A latent that has not fired for this many training tokens counts as dead (and feeds AuxK).</summary>
    public long DeadTokens { get; init; } = 200_000;
    /// <summary>Decoder bias start: the data's geometric median (true) or mean (false).</summary>
    public bool GeometricMedianInit { get; init; } = true;
    public ulong Seed { get; init; }
}
