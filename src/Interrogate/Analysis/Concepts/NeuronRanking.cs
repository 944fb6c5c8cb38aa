namespace Interrogate.Analysis.Concepts;

/// <summary>
/// How well each neuron's activation separates concept positions from the rest: the area under the
/// ROC curve (probability that a random concept position outranks a random other one; ties count
/// half; 0.5 = no information, values below 0.5 mean the neuron is lower on the concept) and the
/// difference of means.
/// </summary>
public static class NeuronRanking
{
    public sealed record Score(int Neuron, double Auc, double MeanDifference, double ConceptMean, double ControlMean);

    /// <param name="activations">[positions, neurons], row-major.</param>
    /// <param name="neurons">Number of neurons (columns).</param>
    /// <param name="labels">[positions], true on concept positions.</param>
    public static Score[] Rank(ReadOnlySpan<float> activations, int neurons, ReadOnlySpan<bool> labels)
    {
        int n = labels.Length;
        if (activations.Length != n * neurons) throw new ArgumentException($"activations hold {activations.Length} values, expected {n}·{neurons}");
        int positives = 0;
        foreach (var l in labels) if (l) positives++;
        if (positives == 0 || positives == n)
            throw new InputException($"the concept labels {(positives == 0 ? "no" : "every")} token of the sample; a ranking needs both kinds");
        var scores = new Score[neurons];
        var values = new float[n];
        var order = new int[n];
        for (int j = 0; j < neurons; j++)
        {
            double sumIn = 0, sumOut = 0;
            for (int i = 0; i < n; i++)
            {
                values[i] = activations[i * neurons + j];
                order[i] = i;
                if (labels[i]) sumIn += values[i]; else sumOut += values[i];
            }
            Array.Sort(values, order);
            scores[j] = new Score(j, Auc(values, order, labels, positives), sumIn / positives - sumOut / (n - positives), sumIn / positives, sumOut / (n - positives));
        }
        return scores;
    }

    /// <summary>Mann–Whitney U / (n₁·n₀) from sorted values, with mid-ranks for ties.</summary>
    private static double Auc(float[] sorted, int[] order, ReadOnlySpan<bool> labels, int positives)
    {
        int n = sorted.Length;
        double rankSum = 0;
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && sorted[j + 1] == sorted[i]) j++;
            double midRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) if (labels[order[k]]) rankSum += midRank;
            i = j + 1;
        }
        double negatives = n - positives;
        return (rankSum - positives * (positives + 1) / 2.0) / (positives * negatives);
    }
}
