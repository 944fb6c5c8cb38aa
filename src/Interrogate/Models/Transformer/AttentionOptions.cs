namespace Interrogate.Models.Transformer;

/// <summary>
/// How one attention layer computes, whatever the architecture: projection biases, rotary positions,
/// the score scale, tanh soft-capping of the scores and a sliding window. Architectures choose these
/// from their config; <see cref="Attention"/> itself knows no architecture names.
/// </summary>
public sealed record AttentionOptions
{
    /// <summary>Biases on the q, k and v projections.</summary>
    public bool QkvBias { get; init; }
    /// <summary>A bias on the output projection.</summary>
    public bool OutBias { get; init; }
    /// <summary>Rotary positions applied to q and k; null for none (learned positions).</summary>
    public RotaryEmbedding? Rotary { get; init; }
    /// <summary>Multiplies q·kᵀ; null means 1/√Dh (Gemma 2 uses query_pre_attn_scalar^−½).</summary>
    public float? Scale { get; init; }
    /// <summary>Scores become cap·tanh(scores/cap) before masking (Gemma 2); null for none.</summary>
    public float? SoftCap { get; init; }
    /// <summary>A query at position p sees keys at positions p − W + 1 … p (Mistral, Gemma 2's local layers); null for all earlier keys.</summary>
    public int? Window { get; init; }
}
