namespace Interrogate.Models.Generation;

/// <summary>
/// How <see cref="Generator"/> picks tokens. Temperature 0 is greedy (arg max); otherwise logits are
/// divided by the temperature, cut to the <see cref="TopK"/> most likely (0 = no cut) and to the
/// smallest set whose probability reaches <see cref="TopP"/> (1 = no cut), then sampled with a
/// <see cref="Tensors.TensorRandom"/> seeded by <see cref="Seed"/>, so a seed always gives the same text.
/// </summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 20;
    public float Temperature { get; init; }
    public int TopK { get; init; }
    public float TopP { get; init; } = 1f;
    public ulong Seed { get; init; }
    /// <summary>Stop after this id; null uses the tokenizer's EOS, else the model config's.</summary>
    public int? EosId { get; init; }
    public bool StopAtEos { get; init; } = true;
    /// <summary>Reuse keys and values of earlier tokens (true), or recompute the whole sequence each step.</summary>
    public bool UseCache { get; init; } = true;

    internal void Validate()
    {
        if (MaxNewTokens < 0) throw new InputException($"-n/--max-new-tokens: must be ≥ 0; got {MaxNewTokens}");
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) throw new InputException($"--temperature: must be a finite number ≥ 0; got {Temperature}");
        if (TopK < 0) throw new InputException($"--top-k: must be ≥ 0 (0 = off); got {TopK}");
        if (!(TopP > 0 && TopP <= 1)) throw new InputException($"--top-p: must be in (0, 1]; got {TopP}");
    }
}

/// <summary>The tokens generated after the prompt, and why generation stopped.</summary>
public sealed record GenerationResult(int[] Tokens, GenerationStop Stop);

public enum GenerationStop { MaxTokens, EndOfSequence, ContextFull }
