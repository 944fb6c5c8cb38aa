namespace Interrogate.Analysis.Explanation;

/// <summary>A token (or previous token) and the neuron's mean activation over its occurrences.</summary>
public sealed record TokenMean(int Token, string Text, int Count, double Mean);

/// <summary>
/// A neuron explained in words, and the same explanation as a simulator: the activation at a token is
/// the token's own mean activation (<see cref="TokenActivation"/>, a table over the vocabulary whose
/// strongest entries the sentence lists) plus <see cref="Intercept"/> plus the
/// <see cref="ExplanationFeature.Weight"/> of every context rule in <see cref="Features"/> that holds
/// there. The sentence names exactly those rules, so beyond the token table the simulator predicts
/// from nothing the sentence does not say. Built by <see cref="NeuronExplainer"/>, scored against the
/// token table alone on held-out text by <see cref="ExplanationScorer"/>.
/// </summary>
public sealed class NeuronExplanation
{
    internal NeuronExplanation(TokenFacts facts, float[] tokenTable, float[] baselineTable) =>
        (Facts, this.tokenTable, this.baselineTable) = (facts, tokenTable, baselineTable);

    private readonly float[] tokenTable;      // [vocab]: the explanation's per-token part, fitted jointly with its rules
    private readonly float[] baselineTable;   // [vocab]: shrunk mean activation per token id, no rules (the baseline simulator)

    /// <summary>Two sentences: the strongest tokens of the token table, then the context rules on top of it (or that there are none).</summary>
    public required string Text { get; init; }
    /// <summary>The context rules the sentence names, highest weight first.</summary>
    public required IReadOnlyList<ExplanationFeature> Features { get; init; }
    /// <summary>Added everywhere on top of the token table (the rules' fitted offset; near 0).</summary>
    public required double Intercept { get; init; }
    /// <summary>Tokens with the highest mean activation (among those seen at least MinCount times), highest first.</summary>
    public required IReadOnlyList<TokenMean> TopTokens { get; init; }
    /// <summary>Previous tokens after which the activation is highest on average, highest first.</summary>
    public required IReadOnlyList<TokenMean> TopPreviousTokens { get; init; }
    /// <summary>Mean and population standard deviation of the activation on the explanation's text.</summary>
    public required double Mean { get; init; }
    public required double StandardDeviation { get; init; }
    /// <summary>Tokens the explanation was built from.</summary>
    public required int Tokens { get; init; }
    /// <summary>Window length the text was cut into (contexts restart per window); null: one window.</summary>
    public int? WindowLength { get; init; }
    /// <summary>Correlation of the simulation with the activations it was built from (in-sample; the score is the held-out one).</summary>
    public required double TrainingCorrelation { get; init; }

    internal TokenFacts Facts { get; }

    /// <summary>The explanation's predicted activation at every token.</summary>
    /// <param name="tokens">[n] token ids in text order.</param>
    /// <param name="windowLength">Window length of this text; null uses the explanation's own.</param>
    /// <returns>[n] simulated activations.</returns>
    public float[] Simulate(ReadOnlySpan<int> tokens, int? windowLength = null)
    {
        var positions = Facts.Describe(tokens, windowLength ?? WindowLength);
        var result = new float[positions.Length];
        for (int i = 0; i < positions.Length; i++)
        {
            double v = TokenActivation(positions[i].Token) + Intercept;
            foreach (var f in Features) if (f.Matches(positions[i])) v += f.Weight;
            result[i] = (float)v;
        }
        return result;
    }

    /// <summary>The explanation's per-token part: the token's mean activation once the rules' share is taken out (shrunk; ids outside the vocabulary get the mean).</summary>
    public double TokenActivation(int token) => TokenTable.At(tokenTable, token, Mean);

    /// <summary>
    /// The baseline simulator: each token's own mean activation on the explanation's text (shrunk toward
    /// the overall mean; unseen tokens get the mean). It knows every token, with no words and no context.
    /// </summary>
    /// <param name="tokens">[n] token ids.</param>
    /// <returns>[n] predicted activations.</returns>
    public float[] SimulateTokenIdentity(ReadOnlySpan<int> tokens)
    {
        var result = new float[tokens.Length];
        for (int i = 0; i < tokens.Length; i++) result[i] = (float)TokenTable.At(baselineTable, tokens[i], Mean);
        return result;
    }
}
