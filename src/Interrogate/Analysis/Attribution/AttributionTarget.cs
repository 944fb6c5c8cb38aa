namespace Interrogate.Analysis.Attribution;

/// <summary>
/// The scalar being attributed: log p(<see cref="Token"/>) predicted at <see cref="Position"/> of a
/// prompt (negative positions count from the end).
/// </summary>
public sealed record AttributionTarget(int[] Ids, int Position, int Token)
{
    public int ResolvedPosition
    {
        get
        {
            int p = Position < 0 ? Ids.Length + Position : Position;
            if (p < 0 || p >= Ids.Length) throw new InputException($"--position {Position} lies outside the prompt's {Ids.Length} tokens");
            return p;
        }
    }
}

/// <summary>
/// Per-neuron attributions of one hook point: Scores[j] sums neuron j's contributions over every
/// position of the prompt (a neuron at an earlier position reaches the target through attention).
/// </summary>
/// <param name="Hook">The hook point.</param>
/// <param name="Scores">[width].</param>
/// <param name="Sum">Σ Scores.</param>
/// <param name="Target">f(x): the target log-probability of the clean run.</param>
/// <param name="Baseline">f(baseline) for integrated gradients; null for gradient×activation.</param>
/// <param name="Steps">Integration steps (1 for gradient×activation).</param>
/// <param name="CompletenessError">Sum − (f(x) − f(baseline)) for integrated gradients (0 in exact arithmetic); null otherwise.</param>
public sealed record HookAttribution(string Hook, float[] Scores, double Sum, double Target, double? Baseline, double? CompletenessError, int Steps);
