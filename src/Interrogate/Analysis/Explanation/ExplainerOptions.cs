namespace Interrogate.Analysis.Explanation;

/// <summary>How short an explanation is and how hard its numbers are shrunk.</summary>
public sealed record ExplainerOptions
{
    /// <summary>At most this many rules; a sentence people read should name only a few.</summary>
    public int MaxFeatures { get; init; } = 6;

    /// <summary>A token or rule must hold at least this often to be named (fewer is anecdote).</summary>
    public int MinCount { get; init; } = 5;

    /// <summary>
    /// Ridge penalty on each rule's weight, in pseudo-observations: a rule seen n times gets about
    /// n/(n + Shrinkage) of its raw effect. Also shrinks the token means of the baseline.
    /// </summary>
    public double Shrinkage { get; init; } = 5;

    /// <summary>A rule is added only if it removes at least this fraction of the activation's variance.</summary>
    public double MinGain { get; init; } = 0.01;

    /// <summary>Top tokens listed in the sentence and in <see cref="NeuronExplanation.TopTokens"/>.</summary>
    public int TopTokens { get; init; } = 6;
}
