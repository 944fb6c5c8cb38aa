using Interrogate.Nn;
using System.Diagnostics;
using Interrogate.Analysis.Ablation;
using Interrogate.Store;
using Interrogate.Analysis.Concepts;
using Interrogate.Models.Transformer;
using Interrogate.Tensors;

namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// "Which units are responsible for this concept?", end to end. Record the studied hooks over the first
/// tokens of a held-out stream (activation store, bounded memory); rank every unit by AUC in each role
/// (<see cref="ConceptRole"/>); cross-validate k-sparse probes; then, on separate evaluation windows,
/// ablate each role's top candidates, many random units of every studied layer and random sets in
/// the same batched passes (<see cref="BatchedAblation"/>), and judge each candidate in its role
/// against the random units with a Holm correction across the run (<see cref="VerdictRules"/>).
/// </summary>
public static class ConceptNeuronStudy
{
    /// <summary>Seed of the window bootstrap: fixed, so --seed changes only which random units are drawn.</summary>
    private const ulong BootstrapSeed = 0x5EED;

    /// <summary>Hook names of the model matching a pattern (<see cref="HookNames.Matches"/>: * is one name part) with a [batch, position, width] shape.</summary>
    public static IReadOnlyList<string> ResolveHooks(CausalLanguageModel model, string pattern)
    {
        var shaped = model.DescribeHookPoints(1, 1).Where(h => h.Shape.Length == 3).Select(h => h.Name);
        var matches = HookNames.Resolve(pattern, shaped);
        if (matches.Count == 0)
            throw new InputException($"--hook {pattern}: this model has no [batch, position, width] hook point of that name; `interrogate hooks` lists them");
        return matches;
    }

    /// <summary>InputException unless every unit lies in one of the hooks and inside its width.</summary>
    public static void CheckNeurons(CausalLanguageModel model, IReadOnlyList<string> hooks, IEnumerable<UnitRef> neurons)
    {
        var shapes = model.DescribeHookPoints(1, 1);
        foreach (var n in neurons)
        {
            var shape = shapes.FirstOrDefault(h => h.Name == n.Hook).Shape;
            if (!hooks.Contains(n.Hook) || shape is null)
                throw new InputException($"--neuron {n}: {n.Hook} is not among the studied hook points ({string.Join(", ", hooks)})");
            if (n.Index < 0 || n.Index >= shape[^1])
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
        if (options.Top < 1 || options.EvaluationWindows < 1 || options.RandomNeurons < 2 || options.RandomSets < 1 || rankCount < 2)
            throw new InputException("--top, --eval-windows and --random-sets must be at least 1, --random at least 2, and there must be tokens to rank");
        CheckNeurons(model, options.Hooks, options.Include);
        var plan = EvaluationPlan.Build(tokens, labels, rankCount, window, options.EvaluationWindows, options.MinPredictions);

        var directory = options.StoreDirectory ?? Path.Combine(Path.GetTempPath(), $"interrogate-neurons-{Guid.NewGuid():N}");
        try
        {
            var storeOptions = new ActivationStoreOptions { Hooks = options.Hooks, WindowLength = window, TopK = 5, ContextRadius = 6 };
            ActivationRecorder.Record(model, modelIdentity, TokenSource.FromArray(tokens[..rankCount], sourceIdentity), directory, storeOptions,
                m => progress?.Invoke("recording activations", (double)m.Chunks.Count / m.TotalChunks));
            using var store = ActivationStore.Open(directory);
            var ranked = labels[..rankCount];
            var roleLabels = ConceptRoles.Both.ToDictionary(r => r, r => r.EncodingLabels(labels)[..rankCount]);
            var scores = new Dictionary<(ConceptRole, string), NeuronRanking.Score[]>();
            foreach (var role in ConceptRoles.Both)
                for (int h = 0; h < options.Hooks.Count; h++)
                {
                    progress?.Invoke("ranking units by AUC", (h + (role == ConceptRole.Predictor ? options.Hooks.Count : 0)) / (2.0 * options.Hooks.Count));
                    scores[(role, options.Hooks[h])] = HistogramAuc.Rank(store, options.Hooks[h], roleLabels[role]);
                }
            var entries = Candidates(options, scores);
            progress?.Invoke("sparse probing", 0);
            var probe = StudyEvidence.Probe(store, options, ranked);

            var rng = new TensorRandom(options.Seed);
            var candidateUnits = entries.Select(e => e.Unit).Distinct().ToList();
            var random = options.Hooks.ToDictionary(h => h, h => DrawRandom(rng, Live(store, h), store.Width(h), candidateUnits.Where(u => u.Hook == h).Select(u => u.Index), options.RandomNeurons));
            var topSets = ConceptRoles.Both.ToDictionary(r => r, r => entries.Where(e => e.Role == r && !e.Included).Select(e => e.Unit).ToList());
            var randomSets = ConceptRoles.Both.ToDictionary(r => r, r => Enumerable.Range(0, options.RandomSets).Select(_ => RandomSet(rng, store, topSets[r], candidateUnits)).ToList());

            var jobs = new List<AblationJob>();
            jobs.AddRange(candidateUnits.Select(u => new AblationJob(u.ToString(), [u])));
            var randomUnits = options.Hooks.SelectMany(h => random[h].Select(n => new UnitRef(h, n))).ToList();
            jobs.AddRange(randomUnits.Select(u => new AblationJob($"random {u}", [u])));
            foreach (var role in ConceptRoles.Both)
            {
                jobs.Add(new AblationJob($"{role.Name()} top-{topSets[role].Count}", topSets[role]));
                jobs.AddRange(randomSets[role].Select((set, i) => new AblationJob($"{role.Name()} random set {i}", set)));
            }
            var means = options.Hooks.ToDictionary(h => h, store.Statistics);
            var recordUnits = candidateUnits.Concat(randomUnits).ToList();
            var ablation = BatchedAblation.Run(model, plan.Ids, [.. Enumerable.Range(0, plan.Windows).Select(plan.Scored)], jobs, new BatchedAblationOptions
            {
                Method = options.Method, Means = u => (float)means[u.Hook].Mean(u.Index), Record = recordUnits, Seed = options.Seed,
                WindowsPerChunk = options.WindowsPerChunk,
            }, f => progress?.Invoke($"ablating {jobs.Count} unit sets on {plan.Windows} windows", f));

            var judged = Judging.Judge(plan, ablation, jobs, candidateUnits, randomUnits, recordUnits, entries, topSets, randomSets, options, BootstrapSeed);
            var result = judged.Candidates.Select(j =>
            {
                progress?.Invoke("explaining and collecting evidence", 0);
                var e = j.Entry;
                var explained = options.Facts is { } facts ? Explanation.HeldOutExplainer.Run(store, e.Unit.Hook, e.Unit.Index, facts) : null;
                var score = scores[(e.Role, e.Unit.Hook)][e.Unit.Index];
                return new CandidateNeuron(e.Unit.ToString(), e.Unit.Layer, e.Unit.Index, e.Unit.Hook, e.Role, score.Auc, j.HeldOutAuc,
                    score.ConceptMean, score.ControlMean, j.Effect, j.PValue, j.HolmPValue, j.Encodes, j.Causal, j.Verdict,
                    StudyEvidence.Contexts(store, e.Unit.Hook, e.Unit.Index, tokenText))
                {
                    Explanation = explained?.Explanation.Text,
                    ExplanationScore = explained?.Score.Correlation,
                    ExplanationBaseline = explained?.Score.BaselineCorrelation,
                    ExplanationHeldOut = explained?.Score,
                };
            }).ToList();
            var evidence = result.Select(c => StudyEvidence.Evidence(store, c.Hook, c.Neuron, roleLabels[c.Role], options.EvidenceSamples)).ToList();
            var clean = judged.Clean;
            return new ConceptStudyResult
            {
                Concept = conceptName,
                Source = sourceIdentity,
                RankedTokens = rankCount,
                ConceptRate = ranked.Count(l => l) / (double)rankCount,
                AblationMethod = options.Method.ToString().ToLowerInvariant(),
                EvaluationWindows = plan.Windows,
                WindowLength = plan.Length,
                EvaluationOverlapsRanking = plan.OverlapsRanking,
                DetectorPredictions = plan.Detector.Sum(w => (long)w.Length),
                PredictorPredictions = plan.Predictor.Sum(w => (long)w.Length),
                ControlPredictions = plan.Control.Sum(w => (long)w.Length),
                ControlStride = plan.ControlStride,
                CleanDetectorLoss = clean.Detector,
                CleanPredictorLoss = clean.Predictor,
                CleanControlLoss = clean.Control,
                Correction = $"Holm across the {result.Count} candidate tests of this run (family-wise error {VerdictRules.Alpha}); set tests Holm across the {judged.Sets.Count} sets",
                VerdictRule = judged.Baselines[0].Thresholds.Rule.Split("; ", 2)[^1],
                Candidates = result,
                Probe = probe,
                SetAblations = judged.Sets,
                RandomBaseline = judged.Baselines,
                Seconds = clock.Elapsed.TotalSeconds,
                Evidence = evidence,
            };
        }
        finally
        {
            if (options.StoreDirectory is null && Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A candidate to judge: a unit in one role; Included when the user named it rather than the ranking.</summary>
    internal sealed record Entry(ConceptRole Role, UnitRef Unit, bool Included);

    /// <summary>Each role's top units by |AUC − 0.5| over all hooks, then the user's units in both roles.</summary>
    private static List<Entry> Candidates(ConceptStudyOptions options, Dictionary<(ConceptRole, string), NeuronRanking.Score[]> scores)
    {
        var entries = new List<Entry>();
        foreach (var role in ConceptRoles.Both)
        {
            var top = options.Hooks.SelectMany(h => scores[(role, h)].Select(s => (Hook: h, Score: s)))
                .OrderByDescending(c => Math.Abs(c.Score.Auc - 0.5)).ThenBy(c => c.Hook, StringComparer.Ordinal).ThenBy(c => c.Score.Neuron)
                .Take(options.Top);
            entries.AddRange(top.Select(c => new Entry(role, new UnitRef(c.Hook, c.Score.Neuron), false)));
            foreach (var u in options.Include)
                if (!entries.Any(e => e.Role == role && e.Unit == u)) entries.Add(new Entry(role, u, true));
        }
        return entries;
    }

    /// <summary>
    /// The units of a hook that vary over the ranked tokens: the pool random units are drawn from. A unit
    /// that never changes (a dictionary feature that never fires) has no effect under mean-ablation by
    /// construction and would make the null easier to beat.
    /// </summary>
    private static IEnumerable<int> Live(ActivationStore store, string hook)
    {
        var stats = store.Statistics(hook);
        return Enumerable.Range(0, store.Width(hook)).Where(n => stats.Variance(n) > 0);
    }

    private static int[] DrawRandom(TensorRandom rng, IEnumerable<int> live, int width, IEnumerable<int> exclude, int count)
    {
        var pool = live.Except(exclude).ToArray();
        rng.Shuffle(pool.AsSpan());
        if (pool.Length < 2) throw new InputException($"the layer has {width} neurons; a random baseline needs at least 2 besides the candidates");
        return [.. pool.Take(count).Order()];
    }

    /// <summary>As many random non-candidate units from each layer as <paramref name="set"/> has there.</summary>
    private static List<UnitRef> RandomSet(TensorRandom rng, ActivationStore store, List<UnitRef> set, List<UnitRef> candidates)
    {
        var result = new List<UnitRef>();
        foreach (var group in set.GroupBy(u => u.Hook))
        {
            var pool = Live(store, group.Key).Except(candidates.Where(c => c.Hook == group.Key).Select(c => c.Index)).ToArray();
            rng.Shuffle(pool.AsSpan());
            result.AddRange(pool.Take(group.Count()).Order().Select(n => new UnitRef(group.Key, n)));
        }
        return result;
    }
}
