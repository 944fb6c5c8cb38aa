using Interrogate.Numerics;
using Interrogate.Analysis.Concepts;
using Interrogate.Tensors;

namespace Interrogate.Analysis.Probing;

/// <summary>How the k neurons are chosen on each training fold.</summary>
public enum NeuronSelection
{
    /// <summary>Largest |mean on concept − mean elsewhere| (Gurnee et al. 2023's default; scale-dependent).</summary>
    MeanDifference,
    /// <summary>Largest |AUC − 0.5| (scale-free; sorts every neuron, so slower).</summary>
    Auc,
}

public sealed record SparseProbeOptions
{
    /// <summary>Numbers of neurons to probe with; those above the width are dropped.</summary>
    public IReadOnlyList<int> Ks { get; init; } = [1, 2, 4, 8, 16];
    public int Folds { get; init; } = 5;
    public ulong Seed { get; init; }
    public NeuronSelection Selection { get; init; } = NeuronSelection.MeanDifference;
    /// <summary>λ of the logistic regression on standardised features.</summary>
    public double L2 { get; init; } = 1e-3;
}

/// <summary>One held-out fold: the neurons chosen on the other folds and the probe's scores on this one.</summary>
public sealed record ProbeFold(int Fold, int[] Neurons, ProbeMetrics Metrics);

/// <summary>Scores for one k: means (and the F1 standard deviation) over folds, and each fold's neurons.</summary>
public sealed record SparseProbeResult(int K, double F1, double F1StdDev, double Accuracy, double Auc, IReadOnlyList<ProbeFold> Folds)
{
    /// <summary>Neurons chosen in the most folds, most often first (ties: lower index).</summary>
    public int[] ConsensusNeurons => [.. Folds.SelectMany(f => f.Neurons).GroupBy(n => n)
        .OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Take(K).Select(g => g.Key)];
}

/// <summary>
/// k-sparse probing (Gurnee et al. 2023, "Finding Neurons in a Haystack"): on each training fold rank
/// the neurons, keep the top k, fit a logistic regression on just those, and score it on the held-out
/// fold. Folds are stratified (each keeps the concept's rate) and fixed by the seed. The selection
/// for the largest k is made once per fold and smaller k use its prefix, so the sets are nested.
/// </summary>
public static class SparseProbe
{
    /// <param name="activations">[n, width], row-major.</param>
    /// <param name="width">Neurons per row.</param>
    /// <param name="labels">[n], true where the concept holds.</param>
    /// <param name="options">Ks, folds, seed, selection; null for the defaults.</param>
    public static IReadOnlyList<SparseProbeResult> Run(ReadOnlySpan<float> activations, int width, ReadOnlySpan<bool> labels, SparseProbeOptions? options = null)
    {
        options ??= new SparseProbeOptions();
        int n = labels.Length;
        if (activations.Length != (long)n * width) throw new ArgumentException($"activations hold {activations.Length} values, expected {n}·{width}");
        var ks = options.Ks.Where(k => k >= 1 && k <= width).Distinct().Order().ToArray();
        if (ks.Length == 0) throw new InputException($"--k: none of {string.Join(",", options.Ks)} lies in 1..{width}");
        var y = labels.ToArray();
        var fold = AssignFolds(y, options.Folds, options.Seed);
        var perK = ks.Select(_ => new List<ProbeFold>()).ToArray();
        for (int f = 0; f < options.Folds; f++)
        {
            var train = Enumerable.Range(0, n).Where(i => fold[i] != f).ToArray();
            var test = Enumerable.Range(0, n).Where(i => fold[i] == f).ToArray();
            var ranked = Rank(activations, width, y, train, options.Selection);
            for (int ki = 0; ki < ks.Length; ki++)
            {
                var neurons = ranked[..ks[ki]];
                var model = LogisticRegression.Fit(Gather(activations, width, train, neurons), [.. train.Select(i => y[i])], options.L2);
                var x = Gather(activations, width, test, neurons);
                var p = new double[test.Length];
                for (int i = 0; i < test.Length; i++) p[i] = model.Probability(x.AsSpan(i * neurons.Length, neurons.Length));
                perK[ki].Add(new ProbeFold(f, neurons, ProbeMetrics.Score(p, [.. test.Select(i => y[i])])));
            }
        }
        return [.. ks.Select((k, ki) =>
        {
            var folds = perK[ki];
            double f1 = folds.Average(r => r.Metrics.F1);
            double sd = Math.Sqrt(folds.Sum(r => (r.Metrics.F1 - f1) * (r.Metrics.F1 - f1)) / Math.Max(1, folds.Count - 1));
            return new SparseProbeResult(k, f1, sd, folds.Average(r => r.Metrics.Accuracy), folds.Average(r => r.Metrics.Auc), folds);
        })];
    }

    /// <summary>Stratified fold of each row: positives and negatives are shuffled separately and dealt round-robin.</summary>
    public static int[] AssignFolds(ReadOnlySpan<bool> labels, int folds, ulong seed)
    {
        if (folds < 2) throw new InputException($"--folds {folds}: cross-validation needs at least 2");
        var positives = new List<int>();
        var negatives = new List<int>();
        for (int i = 0; i < labels.Length; i++) (labels[i] ? positives : negatives).Add(i);
        if (positives.Count < folds || negatives.Count < folds)
            throw new InputException($"the concept holds at {positives.Count} of {labels.Length} tokens; {folds}-fold probing needs at least {folds} of each kind");
        var rng = new TensorRandom(seed);
        var fold = new int[labels.Length];
        foreach (var group in new[] { positives.ToArray(), negatives.ToArray() })
        {
            rng.Shuffle(group.AsSpan());
            for (int i = 0; i < group.Length; i++) fold[group[i]] = i % folds;
        }
        return fold;
    }

    /// <summary>All neurons, most informative on the given rows first (ties: lower index).</summary>
    private static int[] Rank(ReadOnlySpan<float> activations, int width, bool[] labels, int[] rows, NeuronSelection selection)
    {
        var score = new double[width];
        if (selection == NeuronSelection.MeanDifference)
        {
            var sumIn = new double[width];
            var sumOut = new double[width];
            int positives = 0;
            foreach (var i in rows)
            {
                var sums = labels[i] ? sumIn : sumOut;
                if (labels[i]) positives++;
                var row = activations.Slice(i * width, width);
                for (int j = 0; j < width; j++) sums[j] += row[j];
            }
            for (int j = 0; j < width; j++) score[j] = Math.Abs(sumIn[j] / positives - sumOut[j] / (rows.Length - positives));
        }
        else
        {
            var subset = new float[(long)rows.Length * width];
            for (int r = 0; r < rows.Length; r++) activations.Slice(rows[r] * width, width).CopyTo(subset.AsSpan(r * width));
            var ranked = NeuronRanking.Rank(subset, width, rows.Select(i => labels[i]).ToArray());
            foreach (var s in ranked) score[s.Neuron] = Math.Abs(s.Auc - 0.5);
        }
        return [.. Enumerable.Range(0, width).OrderByDescending(j => score[j]).ThenBy(j => j)];
    }

    /// <summary>[rows, neurons] of the chosen columns, in double.</summary>
    private static double[] Gather(ReadOnlySpan<float> activations, int width, int[] rows, int[] neurons)
    {
        var x = new double[rows.Length * neurons.Length];
        for (int r = 0; r < rows.Length; r++)
            for (int j = 0; j < neurons.Length; j++) x[r * neurons.Length + j] = activations[rows[r] * width + neurons[j]];
        return x;
    }
}
