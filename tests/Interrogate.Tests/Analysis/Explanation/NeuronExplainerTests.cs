using Interrogate.Analysis.Explanation;

namespace Interrogate.Tests.Analysis.Explanation;

public sealed class NeuronExplainerTests
{
    private static readonly TokenFacts Facts = new(new WordTokenizer());
    private const int Window = 50;

    /// <summary>6,000 random tokens; the neuron is <paramref name="fire"/> at each position plus Gaussian noise.</summary>
    private static (int[] Ids, float[] Acts) Synthetic(Func<TokenPosition, float> fire, int seed = 3, double noiseScale = 0.1)
    {
        var ids = WordTokenizer.RandomText(6000, seed);
        var noise = WordTokenizer.Noise(ids.Length, noiseScale, seed + 100);
        var positions = Facts.Describe(ids, Window);
        return (ids, [.. positions.Select((p, i) => fire(p) + noise[i])]);
    }

    [Fact]
    public void Explain_NeuronFiringOnTokenSet_NamesThoseTokensAndScoresNearOne()
    {
        int the = WordTokenizer.Id(" The"), we = WordTokenizer.Id(" We");
        var (ids, acts) = Synthetic(p => p.Token == the ? 3f : p.Token == we ? 2f : 0f);
        var result = HeldOutExplainer.Run(ids, acts, Facts, Window);
        var e = result.Explanation;

        Assert.Equal([the, we], e.Features.Where(f => f.Weight > 0.5).Select(f => f.Token));
        Assert.Contains("' The' (+", e.Text);
        Assert.Contains("' We' (+", e.Text);
        Assert.Equal(" The", e.TopTokens[0].Text);
        Assert.Equal(3.0, e.TopTokens[0].Mean, 1);
        Assert.Equal(" We", e.TopTokens[1].Text);
        Assert.Equal(2.0, e.TopTokens[1].Mean, 1);
        Assert.True(result.Score.Correlation > 0.98, $"held-out correlation {result.Score.Correlation}");
        Assert.True(result.Score.BaselineCorrelation > 0.98, $"token-identity baseline {result.Score.BaselineCorrelation}");
        Assert.Equal(1200, result.Score.Tokens);
        Assert.Equal(4800, e.Tokens);
    }

    [Fact]
    public void Explain_RandomNeuron_ScoresNearZero()
    {
        var ids = WordTokenizer.RandomText(6000, seed: 5);
        var acts = WordTokenizer.Noise(ids.Length, 1.0, seed: 6);
        var result = HeldOutExplainer.Run(ids, acts, Facts, Window);
        Assert.True(Math.Abs(result.Score.Correlation) < 0.08, $"held-out correlation {result.Score.Correlation}");
        Assert.True(Math.Abs(result.Score.BaselineCorrelation) < 0.08, $"baseline {result.Score.BaselineCorrelation}");
        Assert.Equal(1.96 / Math.Sqrt(1200), result.Score.ChanceLevel, 12);
        Assert.Empty(result.Explanation.Features);
        Assert.StartsWith("No simple rule", result.Explanation.Text);
    }

    [Fact]
    public void Explain_CapitalizedAfterSentenceEnd_NamesClassInContextAndBeatsTokenBaseline()
    {
        var (ids, acts) = Synthetic(p => (p.Class & TokenClass.Capitalized) != 0 && (p.Context & TokenContext.AfterSentenceEnd) != 0 ? 2f : 0f,
            noiseScale: 0.03);   // the rule holds at ~1.3% of tokens; with more noise even a perfect simulator correlates less
        var result = HeldOutExplainer.Run(ids, acts, Facts, Window);
        var first = result.Explanation.Features[0];

        Assert.Equal((TokenClass.Capitalized, TokenContext.AfterSentenceEnd), (first.Class, first.Context));
        Assert.Equal("class-in-context", first.Kind);
        Assert.StartsWith("Fires on capitalized words after '.', '!' or '?' (+", result.Explanation.Text);
        Assert.True(result.Score.Correlation > 0.95, $"held-out correlation {result.Score.Correlation}");
        // Token identity alone cannot see the previous token, so it explains little of this neuron.
        Assert.True(result.Score.BaselineCorrelation < 0.5, $"token-identity baseline {result.Score.BaselineCorrelation}");
    }

    [Fact]
    public void Explain_InsideQuotesNeuron_NamesContext()
    {
        var (ids, acts) = Synthetic(p => (p.Context & TokenContext.InsideQuotes) != 0 ? 1.5f : 0f, seed: 9);
        var result = HeldOutExplainer.Run(ids, acts, Facts, Window);
        Assert.Equal(TokenContext.InsideQuotes, result.Explanation.Features[0].Context);
        Assert.Equal(TokenClass.None, result.Explanation.Features[0].Class);
        Assert.Contains("tokens inside quotes (+1.", result.Explanation.Text);
        Assert.True(result.Score.Correlation > 0.95, $"held-out correlation {result.Score.Correlation}");
    }

    [Fact]
    public void Simulate_EqualsInterceptPlusMatchingWeights()
    {
        int the = WordTokenizer.Id(" The");
        var (ids, acts) = Synthetic(p => p.Token == the ? 3f : 0f);
        var e = NeuronExplainer.Explain(ids, acts, Facts, Window);
        var rule = Assert.Single(e.Features);
        // One rule seen n times: ridge leaves n/(n + 5) of its 3.0 effect (intercept unpenalized).
        Assert.Equal(3.0 * rule.Count / (rule.Count + 5.0), rule.Weight, 1);
        var sim = e.Simulate([the, WordTokenizer.Id(" the")]);
        Assert.Equal(e.Intercept + rule.Weight, sim[0], 5);
        Assert.Equal(e.Intercept, sim[1], 5);
    }

    [Fact]
    public void Explain_MismatchedLengths_Throws() =>
        Assert.Throws<ArgumentException>(() => NeuronExplainer.Explain([1, 2, 3], [0f, 1f], Facts));
}
