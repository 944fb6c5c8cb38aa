using Interrogate.Analysis.Ablation;

namespace Interrogate.Analysis.Patching;

/// <summary>
/// What a patched run is scored by, read at one position's logits: the logit difference
/// target − distractor (when a distractor is given, e.g. " The" vs " the"), or else the target
/// token's log-probability.
/// </summary>
/// <param name="Position">Position whose next-token prediction is scored (negative counts from the end).</param>
/// <param name="Target">The token the clean prompt should predict.</param>
/// <param name="Distractor">The token the corrupted prompt favours, or null to score log p(target).</param>
public sealed record PatchingMetric(int Position, int Target, int? Distractor = null)
{
    public string Describe => Distractor is null ? "log p(target)" : "logit(target) − logit(distractor)";

    /// <param name="logitsRow">[V] logits at the scored position.</param>
    public double Score(ReadOnlySpan<float> logitsRow) => Distractor is int d
        ? logitsRow[Target] - logitsRow[d]
        : logitsRow[Target] - TokenLosses.LogSumExp(logitsRow);

    /// <summary>The position as an index into a sequence of <paramref name="length"/> tokens; InputException when outside.</summary>
    public int Resolve(int length)
    {
        int p = Position < 0 ? length + Position : Position;
        if (p < 0 || p >= length) throw new InputException($"--position {Position} lies outside the prompt's {length} tokens");
        return p;
    }
}
