namespace Interrogate.Analysis.Explanation;

/// <summary>How short an explanation is and how hard its numbers are shrunk.</summary>
public sealed record ExplainerOptions
{
    /// <summary>At most this many context rules on top of the token table; a sentence people read should name only a few.</summary>
    public int MaxFeatures { get; init; } = 6;

    /// <summary>A token or rule must hold at least this often to be named (fewer is anecdote).</summary>
    public int MinCount { get; init; } = 5;

    /// <summary>
    /// Ridge penalty on each rule's weight, in pseudo-observations: a rule seen n times gets about
    /// n/(n + Shrinkage) of its raw effect. Also shrinks the token table (of the explanation and of the baseline) toward the mean.
    /// </summary>
    public double Shrinkage { get; init; } = 5;

    /// <summary>A context rule is added only if it removes at least this fraction of the activation's variance.</summary>
    public double MinGain { get; init; } = 0.01;

    /// <summary>Top tokens listed in the sentence and in <see cref="NeuronExplanation.TopTokens"/>.</summary>
    public int TopTokens { get; init; } = 6;

    /// <summary>Bootstrap replicates for the interval of the held-out gain over token identity.</summary>
    public int BootstrapResamples { get; init; } = 2000;

    /// <summary>Fixes the bootstrap draw.</summary>
    public int Seed { get; init; }
}
