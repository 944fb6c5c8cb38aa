using Interrogate.Analysis.Ablation;

namespace Interrogate.Analysis.Verdicts;

/// <summary>What <see cref="ConceptNeuronStudy"/> measures and how.</summary>
public sealed record ConceptStudyOptions
{
    /// <summary>Hook points to study; each must be [batch, position, width].</summary>
    public required IReadOnlyList<string> Hooks { get; init; }
    /// <summary>Candidates (by |AUC − 0.5| over all hooks) that are ablated and judged.</summary>
    public int Top { get; init; } = 10;
    /// <summary>Neurons judged besides the top ones (e.g. one named by the user); each must lie in a studied hook.</summary>
    public IReadOnlyList<NeuronRef> Include { get; init; } = [];
    /// <summary>Tokens from the start of the stream that are recorded and ranked.</summary>
    public long RankTokens { get; init; } = 200_000;
    /// <summary>Windows of <see cref="WindowLength"/> tokens whose loss is measured under ablation.</summary>
    public int EvaluationWindows { get; init; } = 64;
    /// <summary>Tokens per window for recording and ablation; null = the model's context.</summary>
    public int? WindowLength { get; init; }
    public AblationMethod Method { get; init; } = AblationMethod.Mean;
    /// <summary>Random neurons per studied layer for the baseline.</summary>
    public int RandomNeurons { get; init; } = 24;
    /// <summary>Tokens (evenly spaced over the ranked ones) the sparse probe is cross-validated on.</summary>
    public int ProbeTokens { get; init; } = 8000;
    public IReadOnlyList<int> ProbeKs { get; init; } = [1, 2, 4, 8, 16];
    public double Specificity { get; init; } = VerdictRules.DefaultSpecificity;
    public int AblationBatch { get; init; } = 16;
    public ulong Seed { get; init; }
    /// <summary>Token classes of the vocabulary; when set, each candidate is explained (explain → simulate → score on held-out stored tokens).</summary>
    public Explanation.TokenFacts? Facts { get; init; }
    /// <summary>Activations per kind (concept, control) sampled for each candidate's histogram in <see cref="ConceptStudyResult.Evidence"/>.</summary>
    public int EvidenceSamples { get; init; } = 2000;
    /// <summary>Activation store folder (kept, resumable); null records into a temporary folder deleted afterwards.</summary>
    public string? StoreDirectory { get; init; }
}

/// <summary>
/// A candidate neuron with its encoding and causal measurements and the verdict. AblationEffectConcept:
/// mean Δ next-token loss (nats) on predictions of concept tokens with the neuron ablated;
/// AblationEffectControl: the same on all other predictions; Specificity: concept / max(control,
/// specificity floor); TopContexts: its largest activations among the ranked tokens.
/// </summary>
public sealed record CandidateNeuron(int Layer, int Neuron, string Hook, double Auc, double ConceptMean, double ControlMean,
    double AblationEffectConcept, double AblationEffectControl, double Specificity, string Verdict, IReadOnlyList<ContextSnippet> TopContexts)
{
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

/// <summary>An ablated set with its effect.</summary>
public sealed record SetAblation(string Name, IReadOnlyList<string> Neurons, double ConceptDelta, double ControlDelta, double Specificity);

/// <summary>
/// Random neurons of one layer, what they measure and the thresholds derived from them: AucDistance
/// is their |AUC − 0.5|, ConceptDelta and ControlDelta their Δloss under the same ablation.
/// </summary>
public sealed record LayerBaseline(string Hook, int Layer, IReadOnlyList<int> RandomNeurons, RandomBaseline AucDistance,
    RandomBaseline ConceptDelta, RandomBaseline ControlDelta, VerdictThresholds Thresholds);

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
    public required long EvaluationConceptTargets { get; init; }
    public required long EvaluationControlTargets { get; init; }
    public required double CleanConceptLoss { get; init; }
    public required double CleanControlLoss { get; init; }
    public string LossSemantics { get; init; } =
        "a concept labels token t; its loss is that of predicting token t from the tokens before it (made at position t-1); " +
        "ablation effects are mean(ablated - clean) next-token loss in nats over concept targets vs all other targets";
    public double SpecificityFloor { get; init; } = ConceptAblation.SpecificityFloor;
    public required string VerdictRule { get; init; }
    public required IReadOnlyList<CandidateNeuron> Candidates { get; init; }
    public required IReadOnlyList<ProbeRow> Probe { get; init; }
    public required SetAblation SetAblation { get; init; }
    public required IReadOnlyList<LayerBaseline> RandomBaseline { get; init; }
    public required double Seconds { get; init; }
    /// <summary>Per candidate, in the same order: samples and contexts for reports (not serialised).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<NeuronEvidence> Evidence { get; init; } = [];
}
