namespace Interrogate.Analysis.Trace;

/// <summary>The math of one prediction, step by step (see <see cref="PredictionTracer"/>).</summary>
public sealed record TraceResult(
    string[] Tokens,
    int Position,
    TokenScore Predicted,
    IReadOnlyList<TokenScore> TopPredictions,
    double Logit,
    IReadOnlyList<Contribution> DirectLogitAttribution,
    double AttributionSum,
    IReadOnlyList<LayerTrace> Layers,
    NeuronTrace? Neuron)
{
    /// <summary>The dictionary's features at the traced position, when traced with one (<c>--units</c>).</summary>
    public FeatureTrace? Features { get; init; }
}

/// <summary>A vocabulary entry with its logit and probability at the traced position.</summary>
public sealed record TokenScore(int Id, string Token, double Logit, double Probability);

/// <summary>How much one source (a head, an MLP, an embedding, a bias) adds to a quantity.</summary>
public sealed record Contribution(string Source, double Value);

/// <summary>Per layer: the residual stream's norm after the layer, its heads' and MLP's direct logit effects.</summary>
public sealed record LayerTrace(int Layer, double ResidualNormBefore, double ResidualNormAfter,
    IReadOnlyList<HeadTrace> Heads, double MlpDirectLogit, double AttentionBiasDirectLogit);

/// <summary>One head: its direct effect on the predicted token's logit and the tokens it attended to most.</summary>
public sealed record HeadTrace(int Head, double DirectLogit, IReadOnlyList<AttendedToken> TopSources);

public sealed record AttendedToken(int Position, string Token, double Weight);

/// <summary>
/// A neuron (blocks.L.mlp.hook_pre / hook_post index N) at the traced position: its pre-activation
/// split by source (summing to <see cref="PreActivation"/>), its activation, and its direct effect on
/// the logits of the top predictions (activation · W_out[:, N] read through the frozen final norm).
/// </summary>
public sealed record NeuronTrace(int Layer, int Index, double PreActivation, double PostActivation,
    IReadOnlyList<Contribution> PreActivationSources, double SourcesSum, IReadOnlyList<Contribution> LogitEffects);

/// <summary>
/// A dictionary's hook at the traced position split into features (<c>trace --units</c>). The hook's direct logit
/// effect <see cref="HookDirectLogit"/> = Σ active features' + <see cref="DecoderBiasDirectLogit"/> +
/// <see cref="ErrorDirectLogit"/> (the reconstruction error ε = x − x̂). <see cref="Components"/> are the trace's
/// parts with the components the hook sums replaced by these, so they still sum (<see cref="ComponentsSum"/>) to the logit.
/// </summary>
public sealed record FeatureTrace(string Hook, string FeatureHook, double HookDirectLogit, IReadOnlyList<FeatureContribution> Active,
    double DecoderBiasDirectLogit, double ErrorDirectLogit, double ErrorNorm, double HookNorm, IReadOnlyList<Contribution> Components, double ComponentsSum);

/// <summary>One active feature: its activation a, and the direct logit effect of its write a·W_dec[f] on the predicted token and on each top prediction.</summary>
public sealed record FeatureContribution(int Feature, string Unit, double Activation, double DirectLogit, IReadOnlyList<Contribution> LogitEffects);
