namespace Interrogate.Analysis.Probing;

/// <summary>Held-out scores of a binary probe: F1 and accuracy at P ≥ 0.5, and the ROC AUC of the probabilities.</summary>
public readonly record struct ProbeMetrics(double F1, double Accuracy, double Auc)
{
    /// <param name="probabilities">[n] predicted P(concept).</param>
    /// <param name="labels">[n] true labels.</param>
    public static ProbeMetrics Score(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        int tp = 0, fp = 0, fn = 0, correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            bool predicted = probabilities[i] >= 0.5;
            if (predicted == labels[i]) correct++;
            if (predicted && labels[i]) tp++;
            else if (predicted) fp++;
            else if (labels[i]) fn++;
        }
        double f1 = tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
        return new ProbeMetrics(f1, (double)correct / labels.Length, RocAuc(probabilities, labels));
    }

    /// <summary>Mann–Whitney AUC with mid-ranks for ties; NaN when one class is absent.</summary>
    public static double RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        int n = labels.Length, positives = 0;
        foreach (var l in labels) if (l) positives++;
        if (positives == 0 || positives == n) return double.NaN;
        var order = Enumerable.Range(0, n).ToArray();
        var sorted = scores.ToArray();
        Array.Sort(sorted, order);
        double rankSum = 0;
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && sorted[j + 1] == sorted[i]) j++;
            for (int m = i; m <= j; m++) if (labels[order[m]]) rankSum += (i + j) / 2.0 + 1;
            i = j + 1;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * (n - positives));
    }
}
