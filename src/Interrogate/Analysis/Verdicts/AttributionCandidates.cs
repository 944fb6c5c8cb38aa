using Interrogate.Analysis.Attribution;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Store;

namespace Interrogate.Analysis.Verdicts;

/// <summary>How a concept study chooses the candidates it ablates and judges.</summary>
public enum CandidateScreen
{
    /// <summary>Each role's top units by |AUC − 0.5| (encoding first).</summary>
    Auc,
    /// <summary>Each role's top units by estimated ablation effect on the role's concept predictions (attribution patching with AtP*'s GradDrop; use first).</summary>
    Atp,
    /// <summary>Both lists: the AUC top units, then the AtP top units not already chosen.</summary>
    Both,
}

/// <summary>
/// Candidates by estimated use: attribution patching (<see cref="AttributionScreen"/>, AtP* GradDrop scores) over
/// the first ranked tokens estimates every unit's mean-ablation effect on the role's concept predictions (detector:
/// predictions made from concept positions; predictor: predictions of concept tokens), and the largest become
/// candidates. It screens only: verdicts still come from exact ablations on the evaluation windows, which lie after
/// the ranked tokens.
/// </summary>
internal static class AttributionCandidates
{
    /// <summary>Windows of the ranked tokens the estimate runs on, per forward/backward batch.</summary>
    private const int WindowsPerBatch = 8;

    /// <summary>Each role's top ConceptStudyOptions.Top units by AtP* score that <paramref name="entries"/> does not hold in that role.</summary>
    public static List<ConceptNeuronStudy.Entry> Choose(CausalLanguageModel model, int[] tokens, bool[] labels, int rankCount, int window,
        ConceptStudyOptions options, ActivationStore store, IReadOnlyList<ConceptNeuronStudy.Entry> entries, Action<string, double>? progress)
    {
        int windows = Math.Max(1, Math.Min(rankCount / window, (int)(options.ScreenTokens / window)));
        if (rankCount < window) throw new InputException($"--screen atp needs at least one window of {window} ranked tokens (--tokens)");
        var means = options.Hooks.ToDictionary(h => h, h => Enumerable.Range(0, store.Width(h)).Select(j => (float)store.Statistics(h).Mean(j)).ToArray());
        var added = new List<ConceptNeuronStudy.Entry>();
        foreach (var role in ConceptRoles.Both)
        {
            var batches = new List<TokenBatch>();
            var scored = new List<bool[]>();
            for (int w = 0; w < windows; w += WindowsPerBatch)
            {
                int n = Math.Min(WindowsPerBatch, windows - w);
                var ids = tokens[(w * window)..((w + n) * window)];
                // Position p predicts p+1: a detector's predictions are made from concept tokens, a predictor's are of them.
                var mask = new bool[ids.Length];
                for (int r = 0; r < ids.Length; r++)
                {
                    int at = w * window + r;
                    mask[r] = role == ConceptRole.Detector ? labels[at] : at + 1 < labels.Length && labels[at + 1];
                }
                batches.Add(new TokenBatch(ids, n, window));
                scored.Add(mask);
            }
            progress?.Invoke($"screening {role.Name()} candidates by attribution patching (AtP* GradDrop)", 0);
            var scores = AttributionScreen.Estimate(model, batches, scored, options.Hooks, means, gradDrop: true);
            var top = scores.SelectMany(s => Enumerable.Range(0, s.AtP.Length).Select(j => (Unit: new UnitRef(s.Hook, j), Score: s.Score(j))))
                .Where(c => !entries.Any(e => e.Role == role && e.Unit == c.Unit))
                .OrderByDescending(c => c.Score).ThenBy(c => c.Unit.Hook, StringComparer.Ordinal).ThenBy(c => c.Unit.Index)
                .Take(options.Top);
            added.AddRange(top.Select(c => new ConceptNeuronStudy.Entry(role, c.Unit, false, "atp")));
        }
        return added;
    }
}
