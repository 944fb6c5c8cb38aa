using Interrogate.Numerics;
using Interrogate.Subjects;
namespace Interrogate.Analysis.Importance;

/// <summary>
/// Every neuron importance signal side by side on one network's calibration data — per layer the most and
/// least important neurons by magnitude, Wanda, Taylor and mean ablation, with dead and constant counts —
/// and, for language models on request, every attention head's magnitude, Taylor and mean-ablation Δloss.
/// </summary>
public static class ImportanceSurvey
{
    /// <summary>With attribution patching, the exact mean ablation runs by default on this many units per end of AtP's ranking per listed unit (<c>--top</c>).</summary>
    public const double ShortlistFactor = 2;

    /// <summary>
    /// Measures every signal; <paramref name="top"/> neurons are listed at each end of each ranking. withAtp (language
    /// models) lists each neuron's attribution-patching estimate of its mean-ablation Δloss (signal "atp") and uses it to
    /// choose where the exact mean ablation runs: only on the <see cref="ShortlistFactor"/>·top units at each end of
    /// AtP's ranking, so that signal's two ends are exact values of the screened units (the others are not measured).
    /// <paramref name="shortlistFactor"/> (≥ 1) replaces <see cref="ShortlistFactor"/>: ⌈factor·top⌉ units at each end. The
    /// exact part is nearly all of the run's work at GPT-2 size (every unit is a forward from its layer on, unembedding included).
    /// </summary>
    public static ImportanceResult Measure(Subject network, bool withHeads, int top, string dir, Action<string, double> progress, bool withAtp = false,
        double shortlistFactor = ShortlistFactor)
    {
        CheckShortlistFactor(shortlistFactor);
        var stats = CalibrationStatistics.Measure(network, f => progress("statistics", f));
        IReadOnlyList<double[]>? estimates = null;
        if (withAtp && network is LanguageModelSubject atpNetwork)
        {
            progress("attribution patching", 0);
            estimates = Attribution.AttributionScreen.MeanAblationEstimates(atpNetwork.Model, atpNetwork.CalibrationWindows, atpNetwork.BatchSize,
                [.. network.Layers.Select(l => l.ActivationHook)]);
        }
        int perEnd = (int)Math.Min(int.MaxValue, Math.Ceiling(shortlistFactor * top));
        var shortlist = estimates?.Select(e => Shortlist(e, perEnd)).ToArray();
        var signals = new List<(string Name, float[][] Scores)>
        {
            ("magnitude", NeuronImportance.Magnitude(network)),
            ("wanda", NeuronImportance.Wanda(network, stats)),
            ("taylor", NeuronImportance.Taylor(network, f => progress("taylor", f))),
            ("mean_ablation", NeuronImportance.MeanAblation(network, stats, f => progress("mean ablation", f), shortlist)),
        };
        if (estimates is not null) signals.Add(("atp", [.. estimates.Select(e => e.Select(v => (float)v).ToArray())]));
        var exact = signals[3].Scores;
        var layers = network.Layers.Select((layer, l) => new LayerImportance(layer.Name, layer.Width,
            Enumerable.Range(0, layer.Width).Count(j => stats[l].FractionActive[j] == 0),
            Enumerable.Range(0, layer.Width).Count(stats[l].IsConstant),
            [.. signals.Select(s =>
            {
                // Units a screened signal did not measure (NaN) are left out of its ranking.
                var order = NeuronImportance.Ascending(s.Scores[l]).Where(j => !float.IsNaN(s.Scores[l][j])).ToArray();
                int m = Math.Min(top, order.Length);
                return new SignalRanking(s.Name,
                    [.. order.Reverse().Take(m).Select(j => new ScoredUnit(j, s.Scores[l][j]))],
                    [.. order.Take(m).Select(j => new ScoredUnit(j, s.Scores[l][j]))]);
            })])
        {
            MeanAblationMeasured = exact[l].Count(v => !float.IsNaN(v)),
            AtpRankCorrelation = shortlist is null ? null
                : RankCorrelation.Spearman([.. shortlist[l].Select(j => estimates![l][j])], [.. shortlist[l].Select(j => (double)exact[l][j])]),
        }).ToList();
        List<HeadScore>? headScores = null;
        if (withHeads && network is LanguageModelSubject lm)
        {
            var magnitude = HeadImportance.Magnitude(lm.Model);
            var taylor = HeadImportance.Taylor(lm, f => progress("head taylor", f));
            var meanZ = HeadImportance.MeanZ(lm);
            var ablation = HeadImportance.MeanAblation(lm, meanZ, f => progress("head mean ablation", f));
            var atp = withAtp ? HeadAttribution.Estimate(lm, meanZ, f => progress("head attribution patching (AtP* QK fix)", f)) : null;
            headScores = [.. magnitude.SelectMany((m, l) => m.Select((_, h) => new HeadScore(l, h, magnitude[l][h], taylor[l][h], ablation[l][h])
            {
                Atp = atp?.Output[l][h], AtpQuery = atp?.Query?[l][h], AtpKey = atp?.Key?[l][h],
                AtpQueryLinear = atp?.QueryLinear?[l][h], AtpKeyLinear = atp?.KeyLinear?[l][h],
            }))];
        }
        long rows = stats.Count > 0 ? stats[0].Rows : 0;
        return new ImportanceResult(dir, network.Unit, rows, layers, headScores);
    }

    /// <summary>Refuses a shortlist factor below 1 or not finite (<c>--screen-factor</c>).</summary>
    public static void CheckShortlistFactor(double factor)
    {
        if (!(factor >= 1) || !double.IsFinite(factor))
            throw new InputException($"--screen-factor: {factor} must be at least 1 (the shortlist's size at each end as a multiple of --top)");
    }

    /// <summary>The <paramref name="perEnd"/> highest and lowest estimates' units, ascending by index.</summary>
    private static int[] Shortlist(double[] estimates, int perEnd)
    {
        var order = Enumerable.Range(0, estimates.Length).OrderBy(j => estimates[j]).ThenBy(j => j).ToArray();
        perEnd = Math.Min(perEnd, order.Length);
        return [.. order.Take(perEnd).Concat(order.TakeLast(perEnd)).Distinct().Order()];
    }
}

/// <summary>What `importance --json` prints; Heads is null without --heads.</summary>
public sealed record ImportanceResult(string Model, string Unit, long CalibrationRows, IReadOnlyList<LayerImportance> Layers, IReadOnlyList<HeadScore>? Heads);

/// <summary>One MLP layer: neuron count, never-active and constant counts, and each signal's two ends.</summary>
public sealed record LayerImportance(string Name, int Width, int Dead, int Constant, IReadOnlyList<SignalRanking> Signals)
{
    /// <summary>Units whose mean ablation was measured exactly: all of them, or AtP's shortlist with --screen atp.</summary>
    public int MeanAblationMeasured { get; init; }
    /// <summary>With --screen atp: Spearman ρ of AtP against the exact mean ablation over the shortlisted units.</summary>
    public double? AtpRankCorrelation { get; init; }
}

/// <summary>The <c>--top</c> highest-scoring neurons (most important first) and lowest (least important first) by one signal.</summary>
public sealed record SignalRanking(string Signal, IReadOnlyList<ScoredUnit> Top, IReadOnlyList<ScoredUnit> Bottom);

public sealed record ScoredUnit(int Neuron, float Score);

/// <summary>One attention head's signals; MeanAblation is the Δ mean loss in nats.</summary>
public sealed record HeadScore(int Layer, int Head, float Magnitude, float Taylor, float MeanAblation)
{
    /// <summary>With --screen atp: AtP estimate of <see cref="MeanAblation"/> (head output z to its mean).</summary>
    public float? Atp { get; init; }
    /// <summary>With --screen atp: AtP* (QK fix) estimate of mean-ablating the head's query; null for rotary or soft-capped attention.</summary>
    public float? AtpQuery { get; init; }
    /// <summary>With --screen atp: AtP* (QK fix) estimate of mean-ablating the head's keys.</summary>
    public float? AtpKey { get; init; }
    /// <summary>With --screen atp: plain AtP through the query (linearising the softmax), for comparison with <see cref="AtpQuery"/>.</summary>
    public float? AtpQueryLinear { get; init; }
    /// <summary>With --screen atp: plain AtP through the keys (one query head per key head only).</summary>
    public float? AtpKeyLinear { get; init; }
}
