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
public static partial class ConceptNeuronStudy
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
        using var setup = Prepare(model, modelIdentity, tokens, labels, sourceIdentity, options, progress);
        var (store, plan, entries, scores, roleLabels, ranked, rankCount) = (setup.Store, setup.Plan, setup.Entries, setup.Scores, setup.RoleLabels, setup.Ranked, setup.RankCount);
        var (jobs, candidateUnits, randomUnits, recordUnits, topSets, randomSets) = (setup.Jobs, setup.CandidateUnits, setup.RandomUnits, setup.RecordUnits, setup.TopSets, setup.RandomSets);
        var ablation = StudyAblationShards.Run(model, plan.Ids, setup.Positions, jobs, setup.AblationOptions, setup.Fingerprint, null,
            options.AblationDirectory, f => progress?.Invoke($"ablating {jobs.Count} unit sets on {plan.Windows} windows", f))!;
        progress?.Invoke("sparse probing", 0);
        var probe = StudyEvidence.Probe(store, options, ranked);

        var nullPlan = setup.NullPlan;
        var estimated = nullPlan.Mode == NullMode.Estimated
            ? NullEstimates.Build(model, plan, nullPlan, options.Hooks, randomUnits, setup.CalibrationUnits, randomSets, setup.AblationOptions,
                NullEstimates.Ablate(model, plan, setup.Positions, nullPlan, randomUnits, setup.CalibrationUnits, randomSets, setup.AblationOptions, setup.Fingerprint,
                    null, options.AblationDirectory, progress)!, progress)
            : null;
        var judged = Judging.Judge(plan, ablation, jobs, candidateUnits, randomUnits, recordUnits, entries, topSets, randomSets, options, BootstrapSeed,
            setup.TopSetJobs, estimated);
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
                ChosenBy = e.ChosenBy,
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
            Null = Summary(nullPlan, options),
            Seconds = clock.Elapsed.TotalSeconds,
            Evidence = evidence,
        };
    }

    private static NullSummary Summary(NullPlan plan, ConceptStudyOptions options) => plan.Mode == NullMode.Exact
        ? new NullSummary("exact", options.RandomNeurons, plan.ExactUnitsPerLayer, options.RandomSets, plan.ExactSetsPerRole, plan.CalibrationWindows, plan.ExactNullFlops, plan.Reason,
            "everything: candidates, top sets, every random unit and random set ablated on every evaluation window; held-out AUC of every random unit", "nothing",
            "no estimate: rank p-value (1 + #null >= effect) / (N + 1)")
        : new NullSummary("estimated", options.RandomNeurons, plan.ExactUnitsPerLayer, options.RandomSets, plan.ExactSetsPerRole, plan.CalibrationWindows, plan.ExactNullFlops, plan.Reason,
            $"candidates and top sets on all evaluation windows; held-out AUC of every random unit (encoding threshold); {plan.ExactUnitsPerLayer} random units per layer and {plan.ExactSetsPerRole} random sets per role on the first {plan.CalibrationWindows} windows",
            $"the concept effects of the other {options.RandomNeurons - plan.ExactUnitsPerLayer} random units per layer and {options.RandomSets - plan.ExactSetsPerRole} random sets per role: attribution patching (AtP, one forward and backward per calibration window and role; a set = the sum of its units), mapped to exact effects by the least-squares line of each layer and role",
            "each null member contributes P(its effect >= the candidate's) to the rank count: estimated members a Student t (df m-2) around the calibrated prediction with the residual SD at its 95% upper confidence bound, widened for the prediction's leverage and for window sampling (calibration windows < evaluation windows); exact members a normal of the window-sampling SD. p = (1 + sum) / (N + 1); Holm as before");

    /// <summary>
    /// One shard of a study's ablations (<see cref="ConceptStudyOptions.Shard"/>): the same recording, ranking,
    /// candidates and random draws as <see cref="Run"/>, then only the shard's block of ablation jobs, written to
    /// <see cref="ConceptStudyOptions.AblationDirectory"/> for <c>interrogate merge</c>; with an estimated null, also the
    /// shard's block of its calibration ablations (in the folder's <c>calibration</c> subfolder).
    /// </summary>
    public static StudyShardResult RunShard(CausalLanguageModel model, string modelIdentity, int[] tokens, bool[] labels,
        string sourceIdentity, ConceptStudyOptions options, Action<string, double>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var shard = options.Shard ?? throw new ArgumentException("RunShard needs options.Shard");
        using var setup = Prepare(model, modelIdentity, tokens, labels, sourceIdentity, options, progress);
        var (start, end) = shard.Range(setup.Jobs.Count);
        StudyAblationShards.Run(model, setup.Plan.Ids, setup.Positions, setup.Jobs, setup.AblationOptions, setup.Fingerprint, shard,
            options.AblationDirectory, f => progress?.Invoke($"ablating jobs {start}..{end - 1} of {setup.Jobs.Count} on {setup.Plan.Windows} windows", f));
        if (setup.NullPlan.Mode == NullMode.Estimated)   // the same shard of the estimated null's calibration ablations
            NullEstimates.Ablate(model, setup.Plan, setup.Positions, setup.NullPlan, setup.RandomUnits, setup.CalibrationUnits, setup.RandomSets, setup.AblationOptions,
                setup.Fingerprint, shard, options.AblationDirectory, progress);
        return new StudyShardResult(shard.ToString(), (int)start, (int)end, setup.Jobs.Count, Path.GetFullPath(options.AblationDirectory!), clock.Elapsed.TotalSeconds);
    }
}
