using Interrogate.Store;
using Interrogate.Analysis.Concepts;

namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// AUC of every neuron of a stored hook point against concept labels, streamed from an activation
/// store in bounded memory (<see cref="NeuronRanking"/> needs every activation in memory and sorts
/// each column; at 200,000 tokens × 2,048 neurons that is 1.6 GB). Each neuron's values are counted
/// into <see cref="Bins"/> equal bins over its exact stored [min, max], separately for concept and
/// control tokens; pairs in the same bin count as ties (½), so the AUC is exact up to pairs that
/// share a bin — at most the fraction of pairs closer than (max − min)/Bins.
/// </summary>
public static class HistogramAuc
{
    public const int Bins = 1024;
    private const int RowsPerRead = 2048;

    /// <param name="store">An activation store covering tokens 0..labels.Length−1.</param>
    /// <param name="hook">A hook point in the store.</param>
    /// <param name="labels">[store.Tokens] concept label of each stored token.</param>
    public static NeuronRanking.Score[] Rank(ActivationStore store, string hook, bool[] labels)
    {
        if (labels.Length != store.Tokens) throw new ArgumentException($"{labels.Length} labels for a store of {store.Tokens} tokens");
        int width = store.Width(hook);
        var stats = store.Statistics(hook);
        var low = new double[width];
        var scale = new double[width];
        for (int j = 0; j < width; j++)
        {
            low[j] = stats.Min(j);
            double span = stats.Max(j) - low[j];
            scale[j] = span > 0 ? Bins / span : 0;
        }
        var inside = new int[width * Bins];
        var outside = new int[width * Bins];
        var sumIn = new double[width];
        var sumOut = new double[width];
        int positives = 0;
        for (long start = 0; start < labels.Length; start += RowsPerRead)
        {
            int n = (int)Math.Min(RowsPerRead, labels.Length - start);
            var rows = store.ReadRows(hook, start, n);   // [n, width]
            for (int r = 0; r < n; r++)
            {
                bool label = labels[start + r];
                if (label) positives++;
                var (counts, sums) = label ? (inside, sumIn) : (outside, sumOut);
                for (int j = 0; j < width; j++)
                {
                    double v = rows[r * width + j];
                    sums[j] += v;
                    counts[j * Bins + Math.Clamp((int)((v - low[j]) * scale[j]), 0, Bins - 1)]++;
                }
            }
        }
        int negatives = labels.Length - positives;
        if (positives == 0 || negatives == 0)
            throw new InputException($"the concept labels {(positives == 0 ? "no" : "every")} token of the {labels.Length} recorded; a ranking needs both kinds");
        var scores = new NeuronRanking.Score[width];
        for (int j = 0; j < width; j++)
        {
            double below = 0, wins = 0;
            for (int b = 0; b < Bins; b++)
            {
                int p = inside[j * Bins + b], q = outside[j * Bins + b];
                wins += p * (below + 0.5 * q);
                below += q;
            }
            double conceptMean = sumIn[j] / positives, controlMean = sumOut[j] / negatives;
            scores[j] = new NeuronRanking.Score(j, wins / ((double)positives * negatives), conceptMean - controlMean, conceptMean, controlMean);
        }
        return scores;
    }
}
