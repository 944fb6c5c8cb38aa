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
    NeuronTrace? Neuron);

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
