using Interrogate.Nn;
using Interrogate.Analysis.Ablation;
using Interrogate.Numerics;

namespace Interrogate.Analysis.Verdicts;

/// <summary>What <see cref="ConceptNeuronStudy"/> measures and how.</summary>
public sealed record ConceptStudyOptions
{
    /// <summary>Hook points to study; each must be [batch, position, width].</summary>
    public required IReadOnlyList<string> Hooks { get; init; }
    /// <summary>Candidates per role (by |AUC − 0.5| over all hooks in that role's labels) that are ablated and judged.</summary>
    public int Top { get; init; } = 5;
    /// <summary>Units judged (in both roles) besides the top ones (e.g. one named by the user); each must lie in a studied hook.</summary>
    public IReadOnlyList<UnitRef> Include { get; init; } = [];
    /// <summary>Tokens from the start of the stream that are recorded and ranked.</summary>
    public long RankTokens { get; init; } = 200_000;
    /// <summary>Evaluation windows; null = as many as give each role <see cref="MinPredictions"/> concept predictions.</summary>
    public int? EvaluationWindows { get; init; }
    /// <summary>Evaluation windows the callers read beyond the ranked tokens when <see cref="EvaluationWindows"/> is not given (room for rare concepts).</summary>
    public const int WindowAllowance = 512;

    /// <summary>Tokens of the held-out stream to read for a study (the same in `neurons` and the demo, so both see the same data).</summary>
    public static long TokensToRead(long rankTokens, int contextLength, int? evaluationWindows) =>
        rankTokens + (long)(evaluationWindows ?? WindowAllowance) * contextLength;

    /// <summary>Dictionaries whose features are studied (<c>--units</c>), written into the study's store so a --store of another dictionary is refused; null for neurons.</summary>
    public IReadOnlyList<Store.StoredDictionary>? Dictionaries { get; init; }
    /// <summary>Concept predictions per role the default evaluation collects.</summary>
    public int MinPredictions { get; init; } = 2000;
    /// <summary>Tokens per window for recording and ablation; null = the model's context.</summary>
    public int? WindowLength { get; init; }
    public AblationMethod Method { get; init; } = AblationMethod.Mean;
    /// <summary>Random neurons per studied layer for the baseline.</summary>
    public int RandomNeurons { get; init; } = 250;
    /// <summary>Random sets per role the top set is judged against.</summary>
    public int RandomSets { get; init; } = 60;
    /// <summary>Evaluation windows per clean pass of the batched ablation.</summary>
    public int WindowsPerChunk { get; init; } = 8;
    /// <summary>Tokens (evenly spaced over the ranked ones) the sparse probe is cross-validated on.</summary>
    public int ProbeTokens { get; init; } = 8000;
    public IReadOnlyList<int> ProbeKs { get; init; } = [1, 2, 4, 8, 16];
    public ulong Seed { get; init; }
    /// <summary>Token classes of the vocabulary; when set, each candidate is explained (explain → simulate → score on held-out stored tokens).</summary>
    public Explanation.TokenFacts? Facts { get; init; }
    /// <summary>Activations per kind (concept, control) sampled for each candidate's histogram in <see cref="ConceptStudyResult.Evidence"/>.</summary>
    public int EvidenceSamples { get; init; } = 2000;
    /// <summary>Activation store folder (kept, resumable); null records into a temporary folder deleted afterwards.</summary>
    public string? StoreDirectory { get; init; }
    /// <summary>Folder of the ablation results: written after the ablations, reused when it holds this study's (e.g. merged shards); null keeps them in memory.</summary>
    public string? AblationDirectory { get; init; }
    /// <summary>For <see cref="ConceptNeuronStudy.RunShard"/>: which block of the ablation jobs to run.</summary>
    public Sharding.ShardSpec? Shard { get; init; }
    /// <summary>How candidates are chosen: by AUC (encoding), by attribution patching (estimated use), or both.</summary>
    public CandidateScreen Screen { get; init; } = CandidateScreen.Auc;
    /// <summary>Ranked tokens (from the start) the attribution-patching screen runs on.</summary>
    public long ScreenTokens { get; init; } = 16_384;
    /// <summary>Exact or estimated null of the concept effects; Auto chooses by <see cref="NullPlan"/>'s compute budget (exact on small models).</summary>
    public NullMode Null { get; init; } = NullMode.Auto;
    /// <summary>Estimated null: random units per layer ablated exactly to calibrate the estimates.</summary>
    public int NullUnits { get; init; } = 8;
    /// <summary>Estimated null: random sets per role ablated exactly to calibrate the set estimates.</summary>
    public int NullSets { get; init; } = 8;
    /// <summary>Estimated null: evaluation windows of the calibration; null = what <see cref="NullPlan.CalibrationBudgetFlops"/> allows (at least 2).</summary>
    public int? NullWindows { get; init; }
}

/// <summary>
/// Mean Δloss (ablated − clean, nats) with 95% paired-bootstrap intervals over evaluation windows.
/// Concept: over the role's concept predictions; Control: over predictions that involve no concept token
/// (neither made from one nor of one); Specificity: Concept − Control on the same resampled windows;
/// After (detector role): over the control predictions that follow a concept token in the same window.
/// </summary>
public sealed record RoleEffect(Interval Concept, Interval Control, Interval Specificity, Interval? After);

/// <summary>
/// A candidate unit judged in one role. RankingAuc chose it (ranked tokens); Auc is measured on the
/// held-out evaluation windows and decides "encodes". PValue: rank p-value of the concept effect among
/// the random units of its layer; HolmPValue: Holm-adjusted across every candidate of the run.
/// TopContexts: its largest activations among the ranked tokens.
/// </summary>
public sealed record CandidateNeuron(string Unit, int Layer, int Neuron, string Hook, ConceptRole Role, double RankingAuc, double Auc,
    double ConceptMean, double ControlMean, RoleEffect Effect, double PValue, double HolmPValue, bool Encodes, bool Causal, Verdict Verdict,
    IReadOnlyList<ContextSnippet> TopContexts)
{
    /// <summary>What chose the candidate: "auc" (encoding), "atp" (estimated use, attribution patching) or "user" (--neuron).</summary>
    public string ChosenBy { get; init; } = "auc";
    /// <summary>The explanation sentence, when explained (<see cref="ConceptStudyOptions.Facts"/>).</summary>
    public string? Explanation { get; init; }
    /// <summary>Held-out Pearson r of the explanation's simulation with the real activations.</summary>
    public double? ExplanationScore { get; init; }
    /// <summary>The same for the token-identity baseline (predict each token's training mean).</summary>
    public double? ExplanationBaseline { get; init; }
    /// <summary>The explanation's held-out score against token identity alone: the gain with its 95% interval and what it says.</summary>
    public Explanation.ExplanationScore? ExplanationHeldOut { get; init; }
}

/// <summary>
/// Raw material for a report card, kept out of the JSON: activations sampled on concept and control
/// tokens, and each top context as token ids with the neuron's activation on every token.
/// </summary>
public sealed record NeuronEvidence(int Layer, int Neuron, float[] ConceptSample, float[] ControlSample, IReadOnlyList<EvidenceContext> Contexts);

/// <summary>Ids[Focus] is the max-activating token; Activations[i] is the neuron on Ids[i].</summary>
public sealed record EvidenceContext(int[] Ids, float[] Activations, int Focus);

/// <summary>One max-activating context: Before + [Token] + After, the neuron's value on Token.</summary>
public sealed record ContextSnippet(float Value, string Before, string Token, string After);

/// <summary>Cross-validated k-sparse probe over all studied neurons; Neurons are the fold-consensus picks ("L2.N317").</summary>
public sealed record ProbeRow(int K, double F1, double F1StdDev, double Accuracy, double Auc, IReadOnlyList<string> Neurons);

/// <summary>
/// The top candidates of one role ablated together, judged against random sets of the same size drawn
/// from the same layers (same count per layer). PValue: rank among the random sets' concept effects;
/// HolmPValue: adjusted across the run's set tests. Passes: adjusted p ≤ α and both intervals above zero.
/// </summary>
public sealed record SetAblation(ConceptRole Role, IReadOnlyList<string> Units, RoleEffect Effect, int RandomSets,
    double RandomSetMean, double RandomSetPercentile95, double PValue, double HolmPValue, bool Passes)
{
    /// <summary>When the random sets' null is estimated (sums of their units' AtP estimates): its calibration against the exactly ablated sets.</summary>
    public NullCalibration? Calibration { get; init; }
}

/// <summary>
/// Random units of one layer in one role: their held-out |AUC − 0.5| and concept effects (same ablation,
/// same windows), the thresholds derived from them, and the minimum detectable effect: the concept
/// Δloss a candidate needs to pass both the corrected rank test (RankNeeded) and its interval (IntervalNeeded ≈ 1.96 standard errors).
/// </summary>
public sealed record LayerBaseline(string Hook, int Layer, ConceptRole Role, IReadOnlyList<int> RandomNeurons, RandomBaseline AucDistance,
    RandomBaseline ConceptDelta, RandomBaseline ControlDelta, VerdictThresholds Thresholds, double RankNeeded, double IntervalNeeded)
{
    public double MinimumDetectableEffect => Math.Max(RankNeeded, IntervalNeeded);
    /// <summary>When the concept-effect null is estimated: how its attribution-patching estimates were calibrated against exact ablations (null: all exact).</summary>
    public NullCalibration? Calibration { get; init; }
}

/// <summary>Everything <see cref="ConceptNeuronStudy.Run"/> found; serialises to the CLI's JSON.</summary>
public sealed record ConceptStudyResult
{
    public required string Concept { get; init; }
    public required string Source { get; init; }
    public required long RankedTokens { get; init; }
    /// <summary>Fraction of ranked tokens that are concept tokens.</summary>
    public required double ConceptRate { get; init; }
    public required string AblationMethod { get; init; }
    public required int EvaluationWindows { get; init; }
    public required int WindowLength { get; init; }
    /// <summary>True when the stream after the ranked tokens was too short and evaluation windows were taken from the ranked tokens.</summary>
    public required bool EvaluationOverlapsRanking { get; init; }
    /// <summary>Predictions made from concept tokens (detector) and of concept tokens (predictor) in the evaluation windows.</summary>
    public required long DetectorPredictions { get; init; }
    public required long PredictorPredictions { get; init; }
    public required long ControlPredictions { get; init; }
    /// <summary>Every ControlStride-th prediction involving no concept token is scored as control.</summary>
    public required int ControlStride { get; init; }
    public required double CleanDetectorLoss { get; init; }
    public required double CleanPredictorLoss { get; init; }
    public required double CleanControlLoss { get; init; }
    public string LossSemantics { get; init; } =
        "position t predicts token t+1. detector: encoding = activation at t vs label of token t, use = mean(ablated - clean) loss of the predictions made at concept positions; " +
        "predictor: encoding = activation at t vs label of token t+1, use = the same on the predictions of concept tokens; control = predictions involving no concept token; " +
        "intervals: 95% paired bootstrap over evaluation windows";
    public required string Correction { get; init; }
    public required string VerdictRule { get; init; }
    public required IReadOnlyList<CandidateNeuron> Candidates { get; init; }
    public required IReadOnlyList<ProbeRow> Probe { get; init; }
    public required IReadOnlyList<SetAblation> SetAblations { get; init; }
    public required IReadOnlyList<LayerBaseline> RandomBaseline { get; init; }
    /// <summary>Which null was run (exact or estimated), its sizes and why; what is exact and what estimated in words.</summary>
    public NullSummary? Null { get; init; }
    public required double Seconds { get; init; }
    /// <summary>Per candidate, in the same order: samples and contexts for reports (not serialised).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<NeuronEvidence> Evidence { get; init; } = [];
}

/// <summary>
/// The null of a run. Exact parts: the candidates' and top sets' effects (every window), the held-out AUC of every
/// random unit (the encoding threshold), and the calibration units and sets (on CalibrationWindows windows).
/// Estimated (mode "estimated"): the other random units' and sets' concept effects, from attribution patching
/// calibrated per layer and role (LayerBaseline.Calibration, SetAblation.Calibration).
/// </summary>
public sealed record NullSummary(string Mode, int RandomUnitsPerLayer, int ExactUnitsPerLayer, int RandomSetsPerRole, int ExactSetsPerRole,
    int CalibrationWindows, double ExactNullFlops, string Reason, string Exact, string Estimated, string ErrorInTest);
