using System.Diagnostics;
using System.Text.RegularExpressions;
using Interrogate.Analysis.Ablation;
using Interrogate.Store;
using Interrogate.Analysis.Concepts;
using Interrogate.Analysis.Probing;
using Interrogate.Models.Transformer;
using Interrogate.Tensors;

namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// "Which neurons are responsible for this concept?", end to end: record the studied hooks over the
/// first tokens of a held-out stream (activation store, bounded memory), rank every neuron by AUC,
/// cross-validate k-sparse probes, ablate each top candidate and the candidates together on separate
/// evaluation windows (concept vs control loss), measure the same on random neurons of each layer, and
/// judge each candidate against those random neurons (<see cref="VerdictRules"/>).
/// </summary>
public static class ConceptNeuronStudy
{
    /// <summary>Hook names of the model matching a pattern where * stands for any run of non-dot characters (blocks.*.mlp.hook_post).</summary>
    public static IReadOnlyList<string> ResolveHooks(CausalLanguageModel model, string pattern)
    {
        var regex = new Regex("^" + Regex.Escape(pattern).Replace("\\*", "[^.]*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
        var matches = model.DescribeHookPoints(1, 1).Where(h => h.Shape.Length == 3 && regex.IsMatch(h.Name)).Select(h => h.Name).ToList();
        if (matches.Count == 0)
            throw new InputException($"--hook {pattern}: this model has no [batch, position, width] hook point of that name; `interrogate hooks` lists them");
        return matches;
    }

    /// <summary>InputException unless every neuron lies in one of the hooks and inside its width.</summary>
    public static void CheckNeurons(CausalLanguageModel model, IReadOnlyList<string> hooks, IEnumerable<NeuronRef> neurons)
    {
        var shapes = model.DescribeHookPoints(1, 1);
        foreach (var n in neurons)
        {
            var shape = shapes.FirstOrDefault(h => h.Name == n.Hook).Shape;
            if (!hooks.Contains(n.Hook) || shape is null)
                throw new InputException($"--neuron {n}: {n.Hook} is not among the studied hook points ({string.Join(", ", hooks)})");
            if (n.Neuron < 0 || n.Neuron >= shape[^1])
                throw new InputException($"--neuron {n}: out of range; {n.Hook} has {shape[^1]} neurons (0..{shape[^1] - 1})");
        }
    }

    /// <param name="model">The model.</param>
    /// <param name="modelIdentity">Names the weights (saved in the store's manifest).</param>
    /// <param name="tokens">[n] held-out token stream; the first RankTokens are ranked, windows after them are ablated.</param>
    /// <param name="labels">[n] concept label of each token.</param>
    /// <param name="conceptName">For the result.</param>
    /// <param name="sourceIdentity">Names the stream (corpus, split, tokenizer).</param>
    /// <param name="tokenText">Display text of a token, for contexts.</param>
    /// <param name="options">What to measure.</param>
    /// <param name="progress">(stage, fraction of that stage) as work proceeds.</param>
    public static ConceptStudyResult Run(CausalLanguageModel model, string modelIdentity, int[] tokens, bool[] labels, string conceptName,
        string sourceIdentity, Func<int, string> tokenText, ConceptStudyOptions options, Action<string, double>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        if (labels.Length != tokens.Length) throw new ArgumentException("one label per token");
        int window = options.WindowLength ?? model.Dimensions.ContextLength;
        int rankCount = (int)Math.Min(options.RankTokens, tokens.Length);
        if (options.Top < 1 || options.EvaluationWindows < 1 || options.RandomNeurons < 2 || rankCount < 2)
            throw new InputException("--top and --eval-windows must be at least 1, --random at least 2, and there must be tokens to rank");
        CheckNeurons(model, options.Hooks, options.Include);
        var (evaluation, overlaps) = EvaluationSet(tokens, labels, rankCount, window, options.EvaluationWindows);

        var directory = options.StoreDirectory ?? Path.Combine(Path.GetTempPath(), $"interrogate-neurons-{Guid.NewGuid():N}");
        try
        {
            var storeOptions = new ActivationStoreOptions { Hooks = options.Hooks, WindowLength = window, TopK = 5, ContextRadius = 6 };
            ActivationRecorder.Record(model, modelIdentity, TokenSource.FromArray(tokens[..rankCount], sourceIdentity), directory, storeOptions,
                m => progress?.Invoke("recording activations", (double)m.Chunks.Count / m.TotalChunks));
            using var store = ActivationStore.Open(directory);
            var ranked = labels[..rankCount];
            var scores = new Dictionary<string, NeuronRanking.Score[]>();
            for (int h = 0; h < options.Hooks.Count; h++)
            {
                progress?.Invoke("ranking neurons by AUC", (double)h / options.Hooks.Count);
                scores[options.Hooks[h]] = HistogramAuc.Rank(store, options.Hooks[h], ranked);
            }
            var candidates = scores.SelectMany(kv => kv.Value.Select(s => (Hook: kv.Key, Score: s)))
                .OrderByDescending(c => Math.Abs(c.Score.Auc - 0.5)).ThenBy(c => c.Hook, StringComparer.Ordinal).ThenBy(c => c.Score.Neuron)
                .Take(options.Top).ToList();
            foreach (var n in options.Include)
                if (!candidates.Any(c => c.Hook == n.Hook && c.Score.Neuron == n.Neuron)) candidates.Add((n.Hook, scores[n.Hook][n.Neuron]));
            progress?.Invoke("sparse probing", 0);
            var probe = Probe(store, options, ranked);

            var rng = new TensorRandom(options.Seed);
            var layers = candidates.Select(c => c.Hook).Distinct().ToList();
            var random = layers.ToDictionary(h => h, h => DrawRandom(rng, store.Width(h), candidates.Where(c => c.Hook == h).Select(c => c.Score.Neuron), options.RandomNeurons));
            var candidateRefs = candidates.Select(c => new NeuronRef(c.Hook, c.Score.Neuron)).ToList();
            var topSet = candidateRefs.Take(options.Top).ToList();
            var sets = new List<NeuronSet> { new($"top-{topSet.Count}", topSet) };
            sets.AddRange(candidateRefs.Select(n => new NeuronSet(n.ToString(), [n])));
            sets.AddRange(random.SelectMany(kv => kv.Value.Select(n => new NeuronSet($"random {new NeuronRef(kv.Key, n)}", [new NeuronRef(kv.Key, n)]))));
            var means = options.Hooks.ToDictionary(h => h, store.Statistics);
            var effects = ConceptAblation.Measure(model, evaluation, sets, new AblationOptions
            {
                Method = options.Method, Means = n => (float)means[n.Hook].Mean(n.Neuron), BatchSize = options.AblationBatch, Seed = options.Seed,
            }, f => progress?.Invoke($"ablating {sets.Count} neuron sets on {evaluation.Count} windows", f));

            var baselines = layers.Select((h, i) => Baseline(h, random[h], scores[h], effects.Skip(1 + candidateRefs.Count), options, i)).ToList();
            var result = candidates.Select((c, i) =>
            {
                var effect = effects[1 + i];
                var thresholds = baselines.First(b => b.Hook == c.Hook).Thresholds;
                var verdict = VerdictRules.Judge(c.Score.Auc, effect.ConceptDelta, effect.Specificity, thresholds);
                progress?.Invoke("explaining and collecting evidence", (double)i / candidates.Count);
                var explained = options.Facts is { } facts ? Explanation.HeldOutExplainer.Run(store, c.Hook, c.Score.Neuron, facts) : null;
                return new CandidateNeuron(NeuronRef.LayerOf(c.Hook), c.Score.Neuron, c.Hook, c.Score.Auc, c.Score.ConceptMean, c.Score.ControlMean,
                    effect.ConceptDelta, effect.ControlDelta, effect.Specificity, verdict.Name(), Contexts(store, c.Hook, c.Score.Neuron, tokenText))
                {
                    Explanation = explained?.Explanation.Text,
                    ExplanationScore = explained?.Score.Correlation,
                    ExplanationBaseline = explained?.Score.BaselineCorrelation,
                    ExplanationHeldOut = explained?.Score,
                };
            }).ToList();
            var evidence = candidates.Select(c => Evidence(store, c.Hook, c.Score.Neuron, ranked, options.EvidenceSamples)).ToList();
            var set = effects[0];
            return new ConceptStudyResult
            {
                Concept = conceptName,
                Source = sourceIdentity,
                RankedTokens = rankCount,
                ConceptRate = ranked.Count(l => l) / (double)rankCount,
                AblationMethod = options.Method.ToString().ToLowerInvariant(),
                EvaluationWindows = evaluation.Count,
                WindowLength = evaluation.Length,
                EvaluationOverlapsRanking = overlaps,
                EvaluationConceptTargets = set.ConceptTargets,
                EvaluationControlTargets = set.ControlTargets,
                CleanConceptLoss = set.CleanConceptLoss,
                CleanControlLoss = set.CleanControlLoss,
                VerdictRule = baselines[0].Thresholds.Rule.Split("; ")[^1],
                Candidates = result,
                Probe = probe,
                SetAblation = new SetAblation(set.Name, [.. set.Neurons.Select(n => n.ToString())], set.ConceptDelta, set.ControlDelta, set.Specificity),
                RandomBaseline = baselines,
                Seconds = clock.Elapsed.TotalSeconds,
                Evidence = evidence,
            };
        }
        finally
        {
            if (options.StoreDirectory is null && Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Windows of <paramref name="window"/> tokens after the ranked ones; when the stream is too short,
    /// the missing windows come from the end of the ranked tokens (and the overlap is reported).
    /// </summary>
    private static (EvaluationWindows Windows, bool Overlaps) EvaluationSet(int[] tokens, bool[] labels, int rankCount, int window, int wanted)
    {
        var starts = new List<int>();
        for (int s = rankCount; s + window <= tokens.Length && starts.Count < wanted; s += window) starts.Add(s);
        bool overlaps = false;
        for (int s = rankCount - window; s >= 0 && starts.Count < wanted; s -= window) { starts.Add(s); overlaps = true; }
        if (starts.Count == 0) throw new InputException($"--corpus: the held-out token stream ({tokens.Length} tokens) is shorter than one evaluation window of {window}; use a larger corpus");
        return (new EvaluationWindows([.. starts.Select(s => tokens[s..(s + window)])], [.. starts.Select(s => labels[s..(s + window)])]), overlaps);
    }

    /// <summary>k-sparse probes over the concatenated hooks on evenly spaced ranked tokens.</summary>
    private static IReadOnlyList<ProbeRow> Probe(ActivationStore store, ConceptStudyOptions options, bool[] labels)
    {
        int n = (int)Math.Min(options.ProbeTokens, store.Tokens);
        long stride = store.Tokens / n;
        var widths = options.Hooks.Select(store.Width).ToArray();
        int total = widths.Sum();
        var x = new float[(long)n * total];
        var y = new bool[n];
        var columns = options.Hooks.SelectMany((h, i) => Enumerable.Range(0, widths[i]).Select(j => new NeuronRef(h, j))).ToArray();
        for (int i = 0; i < n; i++)
        {
            long token = i * stride;
            y[i] = labels[token];
            int at = 0;
            foreach (var hook in options.Hooks)
            {
                var row = store.ReadRows(hook, token, 1);
                row.CopyTo(x.AsSpan(i * total + at));
                at += row.Length;
            }
        }
        var results = SparseProbe.Run(x, total, y, new SparseProbeOptions { Ks = options.ProbeKs, Seed = options.Seed, Selection = NeuronSelection.Auc });
        return [.. results.Select(r => new ProbeRow(r.K, r.F1, r.F1StdDev, r.Accuracy, r.Auc, [.. r.ConsensusNeurons.Select(c => columns[c].ToString())]))];
    }

    private static int[] DrawRandom(TensorRandom rng, int width, IEnumerable<int> exclude, int count)
    {
        var pool = Enumerable.Range(0, width).Except(exclude).ToArray();
        rng.Shuffle(pool.AsSpan());
        if (pool.Length < 2) throw new InputException($"the layer has {width} neurons; a random baseline needs at least 2 besides the candidates");
        return [.. pool.Take(count).Order()];
    }

    private static LayerBaseline Baseline(string hook, int[] random, NeuronRanking.Score[] scores, IEnumerable<AblationEffect> randomEffects,
        ConceptStudyOptions options, int index)
    {
        var mine = randomEffects.Where(e => e.Neurons[0].Hook == hook).ToList();
        ulong seed = options.Seed + (ulong)index * 3;
        var auc = RandomBaseline.Of([.. random.Select(n => Math.Abs(scores[n].Auc - 0.5))], seed);
        var concept = RandomBaseline.Of([.. mine.Select(e => e.ConceptDelta)], seed + 1);
        var control = RandomBaseline.Of([.. mine.Select(e => e.ControlDelta)], seed + 2);
        return new LayerBaseline(hook, NeuronRef.LayerOf(hook), random, auc, concept, control, VerdictRules.Thresholds(auc, concept, options.Specificity));
    }

    /// <summary>Up to <paramref name="samples"/> evenly spaced activations of each kind, and the top contexts with every token's activation.</summary>
    private static NeuronEvidence Evidence(ActivationStore store, string hook, int neuron, bool[] labels, int samples)
    {
        var column = store.ReadNeuron(hook, neuron, 0, labels.Length);
        float[] Sample(bool kind)
        {
            var values = column.Where((_, i) => labels[i] == kind).ToArray();
            int step = Math.Max(1, values.Length / Math.Max(1, samples));
            return [.. values.Where((_, i) => i % step == 0).Take(samples)];
        }
        var contexts = store.TopContexts(hook, neuron).Select(c =>
        {
            long from = c.Token - c.Offset;
            return new EvidenceContext(c.Ids, column.AsSpan((int)from, c.Ids.Length).ToArray(), c.Offset);
        }).ToList();
        return new NeuronEvidence(NeuronRef.LayerOf(hook), neuron, Sample(true), Sample(false), contexts);
    }

    private static List<ContextSnippet> Contexts(ActivationStore store, string hook, int neuron, Func<int, string> tokenText) =>
        [.. store.TopContexts(hook, neuron).Select(c => new ContextSnippet(c.Value,
            string.Concat(c.Ids[..c.Offset].Select(tokenText)), tokenText(c.Ids[c.Offset]), string.Concat(c.Ids[(c.Offset + 1)..].Select(tokenText))))];
}
