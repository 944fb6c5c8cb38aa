using System.Globalization;
using Interrogate.Analysis.Ablation;
using Interrogate.Analysis.Concepts;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Store;
using Interrogate.Tensors;

namespace Interrogate.Analysis.Verdicts;

public static partial class ConceptNeuronStudy
{
    /// <summary>
    /// Everything before the ablations, shared by a whole run and by a shard: the recorded store, the AUC
    /// ranking, the candidates, the random units and sets (one seeded draw), the ablation jobs in their fixed
    /// order and the fingerprint that names them. Disposing closes the store and deletes a temporary one.
    /// </summary>
    internal sealed class Setup : IDisposable
    {
        public required ActivationStore Store { get; init; }
        public required string Directory { get; init; }
        public required bool Temporary { get; init; }
        public required EvaluationPlan Plan { get; init; }
        public required int RankCount { get; init; }
        public required bool[] Ranked { get; init; }
        public required Dictionary<ConceptRole, bool[]> RoleLabels { get; init; }
        public required Dictionary<(ConceptRole, string), NeuronRanking.Score[]> Scores { get; init; }
        public required List<Entry> Entries { get; init; }
        public required List<UnitRef> CandidateUnits { get; init; }
        public required List<UnitRef> RandomUnits { get; init; }
        public required List<UnitRef> RecordUnits { get; init; }
        public required Dictionary<ConceptRole, List<UnitRef>> TopSets { get; init; }
        public required Dictionary<ConceptRole, List<List<UnitRef>>> RandomSets { get; init; }
        public required List<AblationJob> Jobs { get; init; }
        public required int[][] Positions { get; init; }
        public required BatchedAblationOptions AblationOptions { get; init; }
        public required string Fingerprint { get; init; }
        /// <summary>Exact or estimated null, and its sizes.</summary>
        public required NullPlan NullPlan { get; init; }
        /// <summary>Index in <see cref="Jobs"/> of each role's top set (its random sets follow it when the null is exact).</summary>
        public required Dictionary<ConceptRole, int> TopSetJobs { get; init; }
        /// <summary>The random units an estimated null ablates exactly (ExactUnitsPerLayer of each layer's draw).</summary>
        public required HashSet<UnitRef> CalibrationUnits { get; init; }

        public void Dispose()
        {
            Store.Dispose();
            if (Temporary && System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private static Setup Prepare(CausalLanguageModel model, string modelIdentity, int[] tokens, bool[] labels, string sourceIdentity,
        ConceptStudyOptions options, Action<string, double>? progress)
    {
        if (labels.Length != tokens.Length) throw new ArgumentException("one label per token");
        int window = options.WindowLength ?? model.Dimensions.ContextLength;
        int rankCount = (int)Math.Min(options.RankTokens, tokens.Length);
        if (options.Top < 1 || options.EvaluationWindows < 1 || options.RandomNeurons < 2 || options.RandomSets < 1 || rankCount < 2)
            throw new InputException("--top, --eval-windows and --random-sets must be at least 1, --random at least 2, and there must be tokens to rank");
        CheckNeurons(model, options.Hooks, options.Include);
        var plan = EvaluationPlan.Build(tokens, labels, rankCount, window, options.EvaluationWindows, options.MinPredictions);

        var directory = options.StoreDirectory ?? Path.Combine(Path.GetTempPath(), $"interrogate-neurons-{Guid.NewGuid():N}");
        ActivationStore? store = null;
        try
        {
            var storeOptions = new ActivationStoreOptions { Hooks = options.Hooks, WindowLength = window, TopK = 5, ContextRadius = 6, Dictionaries = options.Dictionaries };
            ActivationRecorder.Record(model, modelIdentity, TokenSource.FromArray(tokens[..rankCount], sourceIdentity), directory, storeOptions,
                m => progress?.Invoke("recording activations", (double)m.Chunks.Count / m.TotalChunks));
            store = ActivationStore.Open(directory);
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
            if (options.Screen != CandidateScreen.Auc)
            {
                if (options.Screen == CandidateScreen.Atp) entries.RemoveAll(e => !e.Included);
                var byUse = AttributionCandidates.Choose(model, tokens, labels, rankCount, window, options, store, entries, progress);
                entries = [.. entries.Where(e => !e.Included), .. byUse, .. entries.Where(e => e.Included)];
            }

            var rng = new TensorRandom(options.Seed);
            var candidateUnits = entries.Select(e => e.Unit).Distinct().ToList();
            var random = options.Hooks.ToDictionary(h => h, h => DrawRandom(rng, Live(store, h), store.Width(h), candidateUnits.Where(u => u.Hook == h).Select(u => u.Index), options.RandomNeurons));
            var topSets = ConceptRoles.Both.ToDictionary(r => r, r => entries.Where(e => e.Role == r && !e.Included).Select(e => e.Unit).ToList());
            var randomSets = ConceptRoles.Both.ToDictionary(r => r, r => Enumerable.Range(0, options.RandomSets).Select(_ => RandomSet(rng, store, topSets[r], candidateUnits)).ToList());

            var nullPlan = NullPlan.Choose(options, NullPlan.FlopsPerToken(model), plan.Windows, plan.Length);
            bool exactNull = nullPlan.Mode == NullMode.Exact;
            var jobs = new List<AblationJob>();
            jobs.AddRange(candidateUnits.Select(u => new AblationJob(u.ToString(), [u])));
            var randomUnits = options.Hooks.SelectMany(h => random[h].Select(n => new UnitRef(h, n))).ToList();
            // Estimated null: the random units and sets are ablated by NullEstimates (a calibration subsample, on
            // fewer windows), not here; the candidates and the top sets always are, on every window.
            if (exactNull) jobs.AddRange(randomUnits.Select(u => new AblationJob($"random {u}", [u])));
            var topSetJobs = new Dictionary<ConceptRole, int>();
            foreach (var role in ConceptRoles.Both)
            {
                topSetJobs[role] = jobs.Count;
                jobs.Add(new AblationJob($"{role.Name()} top-{topSets[role].Count}", topSets[role]));
                if (exactNull) jobs.AddRange(randomSets[role].Select((set, i) => new AblationJob($"{role.Name()} random set {i}", set)));
            }
            // Which random units the calibration ablates exactly: a seeded subsample of each layer's draw, from its
            // own generator so the draws above are the same in both modes.
            var calibrationRng = new TensorRandom(options.Seed ^ 0xCA11B8A7E);
            var calibrationUnits = options.Hooks.SelectMany(h =>
            {
                var pool = random[h].ToArray();
                calibrationRng.Shuffle(pool.AsSpan());
                return pool.Take(nullPlan.ExactUnitsPerLayer).Order().Select(n => new UnitRef(h, n));
            }).ToHashSet();
            var means = options.Hooks.ToDictionary(h => h, store.Statistics);
            var recordUnits = candidateUnits.Concat(randomUnits).ToList();
            var ablationOptions = new BatchedAblationOptions
            {
                Method = options.Method, Means = u => (float)means[u.Hook].Mean(u.Index), Record = recordUnits, Seed = options.Seed,
                WindowsPerChunk = options.WindowsPerChunk,
            };
            var positions = Enumerable.Range(0, plan.Windows).Select(plan.Scored).ToArray();
            // Everything the ablations depend on, so a shard, a merge or a reuse of another study is refused.
            var fingerprint = StudyAblationFile.FingerprintOf([
                modelIdentity, sourceIdentity, options.Method.ToString(), options.Seed.ToString(CultureInfo.InvariantCulture),
                options.WindowsPerChunk.ToString(CultureInfo.InvariantCulture),
                string.Join(",", plan.Starts), string.Join(";", positions.Select(p => string.Join(",", p))),
                string.Join(";", plan.Ids.Select(w => string.Join(",", w))),
                string.Join(";", jobs.Select(j => j.Name + "=" + string.Join(",", j.Units))),
                string.Join(";", jobs.SelectMany(j => j.Units).Distinct().Select(u => ablationOptions.Means!(u).ToString("R", CultureInfo.InvariantCulture))),
                string.Join(",", recordUnits)]);
            return new Setup
            {
                Store = store, Directory = directory, Temporary = options.StoreDirectory is null, Plan = plan, RankCount = rankCount, Ranked = ranked,
                RoleLabels = roleLabels, Scores = scores, Entries = entries, CandidateUnits = candidateUnits, RandomUnits = randomUnits,
                RecordUnits = recordUnits, TopSets = topSets, RandomSets = randomSets, Jobs = jobs, Positions = positions,
                AblationOptions = ablationOptions, Fingerprint = fingerprint, NullPlan = nullPlan, TopSetJobs = topSetJobs,
                CalibrationUnits = calibrationUnits,
            };
        }
        catch
        {
            store?.Dispose();
            if (options.StoreDirectory is null && System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>A candidate to judge: a unit in one role; Included when the user named it rather than the ranking.</summary>
    /// <summary>ChosenBy: "auc" or "atp" (<see cref="CandidateScreen"/>), or "user" for an included unit.</summary>
    internal sealed record Entry(ConceptRole Role, UnitRef Unit, bool Included, string ChosenBy = "auc");

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
                if (!entries.Any(e => e.Role == role && e.Unit == u)) entries.Add(new Entry(role, u, true, "user"));
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
