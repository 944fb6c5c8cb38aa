namespace Interrogate.Reports;

/// <summary>
/// Everything a concept-neuron report shows, as plain values the `neurons` command fills in (the
/// report computes nothing but histograms and layout, so it cannot disagree with the analysis).
/// </summary>
public sealed record NeuronReportData
{
    /// <summary>The concept searched for: "capitalization".</summary>
    public required string Concept { get; init; }
    /// <summary>Which model (folder or name), shown under the title.</summary>
    public required string Model { get; init; }
    /// <summary>The answer in one sentence with its numbers; null composes one from the cards' verdicts.</summary>
    public string? Headline { get; init; }
    /// <summary>One card per neuron examined, in the order shown.</summary>
    public required IReadOnlyList<NeuronCard> Cards { get; init; }
    /// <summary>The thresholds the verdicts used.</summary>
    public IReadOnlyList<ReportThreshold> Thresholds { get; init; } = [];
    /// <summary>Axis label of ablation effects: what a delta measures.</summary>
    public string EffectLabel { get; init; } = "Δ loss (nats/token)";
    /// <summary>Method notes shown under the summary (data, token counts, seeds).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>One neuron's evidence.</summary>
public sealed record NeuronCard
{
    public required int Layer { get; init; }
    public required int Neuron { get; init; }
    /// <summary>How well the activation separates concept from control tokens (0.5: not at all).</summary>
    public required double Auc { get; init; }
    /// <summary>Activations on concept tokens, drawn as a histogram (raw values; any number).</summary>
    public IReadOnlyList<double> ConceptActivations { get; init; } = [];
    /// <summary>Activations on control tokens, drawn on the same bins.</summary>
    public IReadOnlyList<double> ControlActivations { get; init; } = [];
    /// <summary>Max-activating contexts, strongest first.</summary>
    public IReadOnlyList<ContextSnippet> Contexts { get; init; } = [];
    /// <summary>Effects of ablating this neuron, one per kind (zero, mean, resample).</summary>
    public IReadOnlyList<AblationEffect> Ablations { get; init; } = [];
    /// <summary>The explanation sentence (<see cref="Analysis.Explanation.NeuronExplanation.Text"/>), if explained.</summary>
    public string? Explanation { get; init; }
    /// <summary>The explanation's held-out score: its gain over token identity alone, with the 95% interval and the words for it.</summary>
    public Analysis.Explanation.ExplanationScore? ExplanationScore { get; init; }
    /// <summary>The verdict in a few words: "causal for the concept".</summary>
    public required string Verdict { get; init; }
    /// <summary>True: the evidence supports the concept; false: it contradicts it; null: mixed or not tested (shading only).</summary>
    public bool? Supported { get; init; }
    /// <summary>The numbers behind the verdict, one line each: "AUC 0.93 ≥ 0.80".</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>"L2.N117".</summary>
    public string Name => $"L{Layer}.N{Neuron}";
}

/// <summary>A window of text around a max activation: readable token texts, each token's activation, and which token is the maximum.</summary>
public sealed record ContextSnippet(IReadOnlyList<string> Tokens, IReadOnlyList<float> Activations, int Focus);

/// <summary>A mean and an interval around it (e.g. the 5th–95th percentile over random neurons).</summary>
public sealed record ValueRange(double Mean, double Low, double High);

/// <summary>
/// What ablating the neuron did on concept and control tokens (in the report's EffectLabel units), and
/// the same for random neurons of its layer, so an effect can be told from the noise floor.
/// </summary>
/// <param name="Kind">"zero", "mean" or "resample".</param>
/// <param name="ConceptDelta">Change of the metric on concept tokens when this neuron is ablated.</param>
/// <param name="ControlDelta">The same on control tokens.</param>
/// <param name="RandomConcept">Concept-token change when a random neuron of the layer is ablated the same way, over several draws.</param>
/// <param name="RandomControl">The same on control tokens.</param>
public sealed record AblationEffect(string Kind, double ConceptDelta, double ControlDelta, ValueRange? RandomConcept = null, ValueRange? RandomControl = null);

/// <summary>A threshold a verdict uses: name, value and what crossing it means.</summary>
public sealed record ReportThreshold(string Name, string Value, string Meaning);
