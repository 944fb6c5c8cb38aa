namespace Interrogate.Analysis.Explanation;

/// <summary>
/// Every context rule an explanation step may add, numbered: previous ids [0, V), then contexts, then
/// class × context pairs. Rules on the token alone (its id, its class) are absent: the token table
/// already holds everything a function of the token id can say. Counts are fixed; residual sums are
/// redone each step.
/// </summary>
internal sealed class RuleCandidates
{
    internal static readonly TokenClass[] Classes =
        [TokenClass.Capitalized, TokenClass.Lowercase, TokenClass.Digit, TokenClass.Punctuation, TokenClass.WordStart, TokenClass.Newline];
    internal static readonly TokenContext[] Contexts =
        [TokenContext.AfterSentenceEnd, TokenContext.AfterNewline, TokenContext.AfterComma, TokenContext.InsideQuotes, TokenContext.InsideParentheses];

    private readonly int vocab;

    /// <param name="vocab">Vocabulary size.</param>
    /// <param name="positions">[n] facts per token of the explanation's text.</param>
    public RuleCandidates(int vocab, TokenPosition[] positions)
    {
        this.vocab = vocab;
        Count = new long[vocab + Contexts.Length + Classes.Length * Contexts.Length];
        var ones = new double[positions.Length];
        Array.Fill(ones, 1.0);
        var sums = ResidualSums(positions, ones, new double[positions.Length]);
        for (int c = 0; c < Count.Length; c++) Count[c] = (long)sums[c];
    }

    /// <summary>[candidates] positions where each candidate holds.</summary>
    public long[] Count { get; }

    /// <summary>Σ (y − prediction) over the positions where each candidate holds.</summary>
    /// <param name="positions">[n]</param>
    /// <param name="y">[n] activations.</param>
    /// <param name="prediction">[n] the current simulation.</param>
    /// <returns>[candidates]</returns>
    public double[] ResidualSums(TokenPosition[] positions, double[] y, double[] prediction)
    {
        var s = new double[Count.Length];
        int contexts = vocab, pairs = contexts + Contexts.Length;
        for (int i = 0; i < positions.Length; i++)
        {
            var p = positions[i];
            if (p.Context == TokenContext.None && (uint)p.Previous >= (uint)vocab) continue;
            double r = y[i] - prediction[i];
            if ((uint)p.Previous < (uint)vocab) s[p.Previous] += r;
            for (int x = 0; x < Contexts.Length; x++)
            {
                if ((p.Context & Contexts[x]) == 0) continue;
                s[contexts + x] += r;
                for (int c = 0; c < Classes.Length; c++) if ((p.Class & Classes[c]) != 0) s[pairs + c * Contexts.Length + x] += r;
            }
        }
        return s;
    }

    /// <summary>The rule numbered <paramref name="c"/>, with its words (weight and counts still 0).</summary>
    public ExplanationFeature Rule(int c, TokenFacts facts)
    {
        if (c < vocab) return new("tokens after " + ExplanationFeature.Quote(facts.Text(c)), 0, 0, 0, PreviousToken: c);
        c -= vocab;
        if (c < Contexts.Length) return new("tokens " + ExplanationFeature.Describe(Contexts[c]), 0, 0, 0, Context: Contexts[c]);
        c -= Contexts.Length;
        var (cls, ctx) = (Classes[c / Contexts.Length], Contexts[c % Contexts.Length]);
        return new($"{ExplanationFeature.Describe(cls)} {ExplanationFeature.Describe(ctx)}", 0, 0, 0, Class: cls, Context: ctx);
    }
}
