using Interrogate.Text;

namespace Interrogate.Analysis.Explanation;

/// <summary>
/// Explains one neuron without a language model, in the spirit of OpenAI's explain → simulate → score,
/// starting from what token identity alone knows: the simulation is each token's own (shrunk) mean
/// activation — the same table the token-identity baseline uses — plus the few context rules that
/// account for most of what that table leaves: a previous token ("tokens after ' Secretary'"), a
/// context ("inside quotes") or a class in a context ("capitalized words after '.', '!' or '?'").
/// Rules are picked greedily on the residual, and the table and the rule weights are refitted together
/// (backfitting; ridge on the rules, shrinkage on the table). Held-out, an explanation can therefore
/// match the baseline by naming nothing, and beats it only by what its rules add, which is what
/// <see cref="ExplanationScorer"/> measures.
/// </summary>
public static class NeuronExplainer
{
    private const int MaxBackfitRounds = 20;

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

        var baseline = TokenTable.Fit(positions, y, vocab, lambda);
        var fit = new Fit(baseline, 0, []);
        var prediction = new double[y.Length];
        for (int i = 0; i < y.Length; i++) prediction[i] = TokenTable.At(baseline, positions[i].Token, mean);

        var candidates = new RuleCandidates(vocab, positions);
        var rules = new List<ExplanationFeature>();
        var chosen = new HashSet<int>();
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
            fit = Backfit(rules, positions, y, fit.Table, lambda, variance, prediction);
        }

        var features = rules.Select((r, i) =>
        {
            var (count, sum) = Occurrences(r, positions, y);
            return r with { Weight = fit.Weights[i], Count = count, MeanActivation = count == 0 ? 0 : sum / count };
        }).OrderByDescending(f => f.Weight).ToList();
        var (tokenCount, tokenSum, previousCount, previousSum) = TokenTables(positions, y, vocab);
        var top = TopMeans(tokenCount, tokenSum, options, facts);
        return new NeuronExplanation(facts, fit.Table, baseline)
        {
            Text = ExplanationText.Write(features, top, y.Length, options.MinGain),
            Features = features,
            Intercept = fit.Intercept,
            TopTokens = top,
            TopPreviousTokens = TopMeans(previousCount, previousSum, options, facts),
            Mean = mean,
            StandardDeviation = Math.Sqrt(variance),
            Tokens = y.Length,
            WindowLength = windowLength,
            TrainingCorrelation = ExplanationScorer.Pearson(prediction, y),
        };
    }

    /// <summary>The explanation's parameters: token table [vocab], the rules' intercept and weights [rules].</summary>
    private sealed record Fit(float[] Table, double Intercept, double[] Weights);

    /// <summary>
    /// Alternates the two parts until they settle: the token table on y minus the rules, then the rules
    /// (ridge, with an intercept) on y minus the table. Writes the joint simulation into <paramref name="prediction"/>.
    /// </summary>
    private static Fit Backfit(List<ExplanationFeature> rules, TokenPosition[] positions, double[] y, float[] table, double lambda,
        double variance, double[] prediction)
    {
        var target = new double[y.Length];
        var ruleSum = new double[y.Length];
        double intercept = 0;
        double[] weights = [];
        for (int round = 0; round < MaxBackfitRounds; round++)
        {
            for (int i = 0; i < y.Length; i++) target[i] = y[i] - TokenTable.At(table, positions[i].Token, 0);
            (intercept, weights) = RidgeFit.Fit(rules, positions, target, lambda);
            for (int i = 0; i < y.Length; i++)
            {
                double v = intercept;
                for (int r = 0; r < rules.Count; r++) if (rules[r].Matches(positions[i])) v += weights[r];
                ruleSum[i] = v;
                target[i] = y[i] - v;
            }
            table = TokenTable.Fit(positions, target, table.Length, lambda);
            double change = 0;
            for (int i = 0; i < y.Length; i++)
            {
                double next = ruleSum[i] + TokenTable.At(table, positions[i].Token, 0);
                change = Math.Max(change, Math.Abs(next - prediction[i]));
                prediction[i] = next;
            }
            if (change < 1e-4 * Math.Sqrt(variance)) break;   // a ten-thousandth of a standard deviation: settled
        }
        return new Fit(table, intercept, weights);
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

    /// <summary>Ids ranked by mean activation, among those seen MinCount times (or at all, when none is).</summary>
    private static List<TokenMean> TopMeans(long[] count, double[] sum, ExplainerOptions o, TokenFacts facts)
    {
        long floor = count.Any(c => c >= o.MinCount) ? o.MinCount : 1;
        return [.. Enumerable.Range(0, count.Length).Where(v => count[v] >= floor)
            .OrderByDescending(v => sum[v] / count[v]).ThenBy(v => v)
            .Take(o.TopTokens).Select(v => new TokenMean(v, facts.Text(v), (int)count[v], sum[v] / count[v]))];
    }
}
