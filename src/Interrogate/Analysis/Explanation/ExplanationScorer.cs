using Interrogate.Numerics;

namespace Interrogate.Analysis.Explanation;

/// <summary>Scores explanations by simulation on held-out text (explain → simulate → score), against token identity alone.</summary>
public static class ExplanationScorer
{
    /// <summary>Block length of the bootstrap when the text has no windows.</summary>
    public const int DefaultBlockLength = 128;

    /// <param name="explanation">The explanation to simulate.</param>
    /// <param name="heldOutTokens">[n] token ids of text the explanation was not built from.</param>
    /// <param name="heldOutActivations">[n] the neuron's true activation at each.</param>
    /// <param name="windowLength">Window length of the held-out text (contexts restart and the bootstrap resamples per window); null uses the explanation's.</param>
    /// <param name="options">Bootstrap resamples and seed; null for the defaults.</param>
    public static ExplanationScore Score(NeuronExplanation explanation, ReadOnlySpan<int> heldOutTokens, ReadOnlySpan<float> heldOutActivations,
        int? windowLength = null, ExplainerOptions? options = null)
    {
        options ??= new ExplainerOptions();
        if (heldOutTokens.Length != heldOutActivations.Length)
            throw new ArgumentException($"{heldOutTokens.Length} held-out tokens but {heldOutActivations.Length} activations");
        if (heldOutTokens.Length < 2) throw new ArgumentException("scoring needs at least 2 held-out tokens");
        int? window = windowLength ?? explanation.WindowLength;
        var truth = new double[heldOutActivations.Length];
        for (int i = 0; i < truth.Length; i++) truth[i] = heldOutActivations[i];
        double[] simulated = [.. explanation.Simulate(heldOutTokens, window).Select(v => (double)v)];
        double[] baseline = [.. explanation.SimulateTokenIdentity(heldOutTokens).Select(v => (double)v)];
        var gain = CorrelationBootstrap.Difference(simulated, baseline, truth, window ?? DefaultBlockLength,
            options.BootstrapResamples, options.Seed);
        return new ExplanationScore(Pearson(simulated, truth), Pearson(baseline, truth), 1.96 / Math.Sqrt(truth.Length), truth.Length,
            gain.Estimate, gain.Low, gain.High, gain.Blocks);
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
