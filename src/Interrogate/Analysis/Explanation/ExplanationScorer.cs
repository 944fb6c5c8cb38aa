namespace Interrogate.Analysis.Explanation;

/// <summary>
/// How well an explanation predicts a neuron on text it was not built from.
/// </summary>
/// <param name="Correlation">Pearson correlation of the explanation's simulation with the true activations (0 when either is constant).</param>
/// <param name="BaselineCorrelation">The same for the token-identity baseline: each token's own mean activation from the explanation's text, with no words or context. An explanation near it captures what token identity can; far below, the sentence misses tokens; above, context matters.</param>
/// <param name="ChanceLevel">1.96/√n: |r| below this is what unrelated series reach 95% of the time.</param>
/// <param name="Tokens">Held-out tokens scored.</param>
public sealed record ExplanationScore(double Correlation, double BaselineCorrelation, double ChanceLevel, int Tokens);

/// <summary>Scores explanations by simulation on held-out text (explain → simulate → score).</summary>
public static class ExplanationScorer
{
    /// <param name="explanation">The explanation to simulate.</param>
    /// <param name="heldOutTokens">[n] token ids of text the explanation was not built from.</param>
    /// <param name="heldOutActivations">[n] the neuron's true activation at each.</param>
    /// <param name="windowLength">Window length of the held-out text; null uses the explanation's.</param>
    public static ExplanationScore Score(NeuronExplanation explanation, ReadOnlySpan<int> heldOutTokens, ReadOnlySpan<float> heldOutActivations,
        int? windowLength = null)
    {
        if (heldOutTokens.Length != heldOutActivations.Length)
            throw new ArgumentException($"{heldOutTokens.Length} held-out tokens but {heldOutActivations.Length} activations");
        if (heldOutTokens.Length < 2) throw new ArgumentException("scoring needs at least 2 held-out tokens");
        var truth = new double[heldOutActivations.Length];
        for (int i = 0; i < truth.Length; i++) truth[i] = heldOutActivations[i];
        var simulated = explanation.Simulate(heldOutTokens, windowLength);
        var baseline = explanation.SimulateTokenIdentity(heldOutTokens);
        return new ExplanationScore(
            Pearson([.. simulated.Select(v => (double)v)], truth),
            Pearson([.. baseline.Select(v => (double)v)], truth),
            1.96 / Math.Sqrt(truth.Length),
            truth.Length);
    }

    /// <summary>Pearson correlation; 0 when either series is constant (it predicts nothing), NaN values propagate.</summary>
    /// <param name="a">[n]</param>
    /// <param name="b">[n]</param>
    public static double Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        int n = a.Count;
        double ma = 0, mb = 0;
        for (int i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
        ma /= n;
        mb /= n;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < n; i++)
        {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }
        return saa <= 0 || sbb <= 0 ? 0 : sab / Math.Sqrt(saa * sbb);
    }
}
