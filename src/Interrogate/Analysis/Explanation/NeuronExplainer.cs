using Interrogate.Text;

namespace Interrogate.Analysis.Explanation;

/// <summary>
/// Explains one neuron without a language model, in the spirit of OpenAI's explain → simulate → score:
/// from its activations over some text it picks, greedily, the few rules that account for most of the
/// activation's variance — a token, a previous token, a token class ("capitalized words"), a context
/// ("inside quotes") or a class in a context ("capitalized words after '.', '!' or '?'") — fits their
/// weights by ridge regression, and writes them as a sentence with the top tokens and their mean
/// activations. The returned <see cref="NeuronExplanation"/> is also the simulator that
/// <see cref="ExplanationScorer"/> runs on held-out text.
/// </summary>
public static class NeuronExplainer
{
    private static readonly TokenClass[] Classes =
        [TokenClass.Capitalized, TokenClass.Lowercase, TokenClass.Digit, TokenClass.Punctuation, TokenClass.WordStart, TokenClass.Newline];
    private static readonly TokenContext[] Contexts =
        [TokenContext.AfterSentenceEnd, TokenContext.AfterNewline, TokenContext.AfterComma, TokenContext.InsideQuotes, TokenContext.InsideParentheses];

    /// <inheritdoc cref="Explain(ReadOnlySpan{int}, ReadOnlySpan{float}, TokenFacts, int?, ExplainerOptions?)"/>
    public static NeuronExplanation Explain(ReadOnlySpan<int> tokens, ReadOnlySpan<float> activations, ITokenizer tokenizer,
        int? windowLength = null, ExplainerOptions? options = null) =>
        Explain(tokens, activations, new TokenFacts(tokenizer), windowLength, options);

    /// <param name="tokens">[n] token ids of the explanation's text, in order.</param>
    /// <param name="activations">[n] the neuron's activation at each token.</param>
    /// <param name="facts">Token classes of the model's vocabulary (build once per tokenizer and reuse).</param>
    /// <param name="options">Length and shrinkage; null for the defaults.</param>
    /// <param name="windowLength">The text was run in windows of this many tokens (contexts restart per window); null: one window.</param>
    public static NeuronExplanation Explain(ReadOnlySpan<int> tokens, ReadOnlySpan<float> activations, TokenFacts facts,
        int? windowLength = null, ExplainerOptions? options = null)
    {
        options ??= new ExplainerOptions();
        if (tokens.Length != activations.Length) throw new ArgumentException($"{tokens.Length} tokens but {activations.Length} activations");
        if (tokens.Length < 2) throw new ArgumentException("an explanation needs at least 2 tokens");
        var positions = facts.Describe(tokens, windowLength);
        var y = new double[activations.Length];
        for (int i = 0; i < y.Length; i++)
            y[i] = float.IsFinite(activations[i]) ? activations[i] : throw new ArgumentException($"activation {i} is {activations[i]}");
        double mean = y.Average(), variance = y.Sum(v => (v - mean) * (v - mean)) / y.Length;
        double lambda = options.Shrinkage;
        int vocab = facts.VocabSize;

        var candidates = new Candidates(vocab, positions);
        var rules = new List<ExplanationFeature>();
        var chosen = new HashSet<int>();
        var prediction = Enumerable.Repeat(mean, y.Length).ToArray();
        double intercept = mean;
        double[] weights = [];
        for (int step = 0; step < options.MaxFeatures; step++)
        {
            var sums = candidates.ResidualSums(positions, y, prediction);
            int best = -1;
            double bestGain = options.MinGain * variance * y.Length;
            for (int c = 0; c < sums.Length; c++)
            {
                long n = candidates.Count[c];
                if (n < options.MinCount || n >= y.Length || chosen.Contains(c)) continue;
                double gain = sums[c] * sums[c] / (n * (1 - (double)n / y.Length) + lambda);
                if (gain > bestGain) (best, bestGain) = (c, gain);
            }
            if (best < 0) break;
            chosen.Add(best);
            rules.Add(candidates.Rule(best, facts));
            (intercept, weights) = RidgeFit.Fit(rules, positions, y, lambda);
            for (int i = 0; i < y.Length; i++)
            {
                double v = intercept;
                for (int r = 0; r < rules.Count; r++) if (rules[r].Matches(positions[i])) v += weights[r];
                prediction[i] = v;
            }
        }

        var features = rules.Select((r, i) =>
        {
            var (count, sum) = Occurrences(r, positions, y);
            return r with { Weight = weights[i], Count = count, MeanActivation = count == 0 ? 0 : sum / count };
        }).OrderByDescending(f => f.Weight).ToList();
        var (tokenCount, tokenSum, previousCount, previousSum) = TokenTables(positions, y, vocab);
        var lookup = new float[vocab];
        for (int v = 0; v < vocab; v++) lookup[v] = (float)((tokenSum[v] + lambda * mean) / (tokenCount[v] + lambda));
        var top = TopMeans(tokenCount, tokenSum, mean, options, facts);
        return new NeuronExplanation(facts, lookup)
        {
            Text = ExplanationText.Write(features, top, mean),
            Features = features,
            Intercept = intercept,
            TopTokens = top,
            TopPreviousTokens = TopMeans(previousCount, previousSum, mean, options, facts),
            Mean = mean,
            StandardDeviation = Math.Sqrt(variance),
            Tokens = y.Length,
            WindowLength = windowLength,
            TrainingCorrelation = ExplanationScorer.Pearson(prediction, y),
        };
    }

    private static (int Count, double Sum) Occurrences(ExplanationFeature rule, TokenPosition[] positions, double[] y)
    {
        int count = 0;
        double sum = 0;
        for (int i = 0; i < positions.Length; i++) if (rule.Matches(positions[i])) { count++; sum += y[i]; }
        return (count, sum);
    }

    private static (long[], double[], long[], double[]) TokenTables(TokenPosition[] positions, double[] y, int vocab)
    {
        var (tc, ts, pc, ps) = (new long[vocab], new double[vocab], new long[vocab], new double[vocab]);
        for (int i = 0; i < positions.Length; i++)
        {
            if ((uint)positions[i].Token < (uint)vocab) { tc[positions[i].Token]++; ts[positions[i].Token] += y[i]; }
            if ((uint)positions[i].Previous < (uint)vocab) { pc[positions[i].Previous]++; ps[positions[i].Previous] += y[i]; }
        }
        return (tc, ts, pc, ps);
    }

    /// <summary>Ids ranked by shrunk mean, among those seen MinCount times (or at all, when none is).</summary>
    private static List<TokenMean> TopMeans(long[] count, double[] sum, double mean, ExplainerOptions o, TokenFacts facts)
    {
        long floor = count.Any(c => c >= o.MinCount) ? o.MinCount : 1;
        return [.. Enumerable.Range(0, count.Length).Where(v => count[v] >= floor)
            .OrderByDescending(v => (sum[v] + o.Shrinkage * mean) / (count[v] + o.Shrinkage)).ThenBy(v => v)
            .Take(o.TopTokens).Select(v => new TokenMean(v, facts.Text(v), (int)count[v], sum[v] / count[v]))];
    }

    /// <summary>
    /// Every rule a step may add, numbered: token ids [0, V), previous ids [V, 2V), then classes,
    /// contexts, and class × context pairs. Counts are fixed; residual sums are redone each step.
    /// </summary>
    private sealed class Candidates
    {
        private readonly int vocab;

        public Candidates(int vocab, TokenPosition[] positions)
        {
            this.vocab = vocab;
            Count = new long[2 * vocab + Classes.Length + Contexts.Length + Classes.Length * Contexts.Length];
            var ones = Enumerable.Repeat(1.0, positions.Length).ToArray();
            var sums = ResidualSums(positions, ones, new double[positions.Length]);
            for (int c = 0; c < Count.Length; c++) Count[c] = (long)sums[c];
        }

        public long[] Count { get; }

        /// <summary>Σ (y − prediction) over the positions where each candidate holds.</summary>
        public double[] ResidualSums(TokenPosition[] positions, double[] y, double[] prediction)
        {
            var s = new double[Count.Length];
            int classes = 2 * vocab, contexts = classes + Classes.Length, pairs = contexts + Contexts.Length;
            for (int i = 0; i < positions.Length; i++)
            {
                var p = positions[i];
                double r = y[i] - prediction[i];
                if ((uint)p.Token < (uint)vocab) s[p.Token] += r;
                if ((uint)p.Previous < (uint)vocab) s[vocab + p.Previous] += r;
                for (int c = 0; c < Classes.Length; c++)
                {
                    if ((p.Class & Classes[c]) == 0) continue;
                    s[classes + c] += r;
                    for (int x = 0; x < Contexts.Length; x++) if ((p.Context & Contexts[x]) != 0) s[pairs + c * Contexts.Length + x] += r;
                }
                for (int x = 0; x < Contexts.Length; x++) if ((p.Context & Contexts[x]) != 0) s[contexts + x] += r;
            }
            return s;
        }

        public ExplanationFeature Rule(int c, TokenFacts facts)
        {
            if (c < vocab) return new(ExplanationFeature.Quote(facts.Text(c)), 0, 0, 0, Token: c);
            if (c < 2 * vocab) return new("tokens after " + ExplanationFeature.Quote(facts.Text(c - vocab)), 0, 0, 0, PreviousToken: c - vocab);
            c -= 2 * vocab;
            if (c < Classes.Length) return new(ExplanationFeature.Describe(Classes[c]), 0, 0, 0, Class: Classes[c]);
            c -= Classes.Length;
            if (c < Contexts.Length) return new("tokens " + ExplanationFeature.Describe(Contexts[c]), 0, 0, 0, Context: Contexts[c]);
            c -= Contexts.Length;
            var (cls, ctx) = (Classes[c / Contexts.Length], Contexts[c % Contexts.Length]);
            return new($"{ExplanationFeature.Describe(cls)} {ExplanationFeature.Describe(ctx)}", 0, 0, 0, Class: cls, Context: ctx);
        }
    }
}
