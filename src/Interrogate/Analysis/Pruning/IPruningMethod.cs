using Interrogate.Analysis.Importance;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>
/// A way of choosing which MLP neurons to remove. <see cref="Analyse"/> studies the network once
/// (scores, redundancy groups) on its calibration data; the decision it returns is then asked for as
/// many fractions as the driver needs (a --target, the steps of a --loss-budget search, the points of
/// `prune compare`). To add a method, implement this and add one line to <see cref="PruningMethods"/>.
/// </summary>
public interface IPruningMethod
{
    /// <summary>Which method this is (`--method` takes its lower-case name).</summary>
    PruningMethod Method { get; }

    /// <summary>How curves and tables name it ("magnitude", "redundancy, R² ≥ 0.99").</summary>
    string Label { get; }

    /// <summary>One line for help texts and reports.</summary>
    string Description { get; }

    IPruningDecision Analyse(Subject network, Action<string, double>? progress = null);
}

/// <summary>What a method decided about one analysed network.</summary>
public interface IPruningDecision
{
    /// <summary>
    /// The neurons of each layer to remove so that round(<paramref name="fraction"/>·width) go from every
    /// layer. <paramref name="target"/> is a copy of the analysed network with the same widths and weights;
    /// a method may edit the weights of the neurons it keeps in place (redundancy folding), never the
    /// network it analysed.
    /// </summary>
    int[][] Choose(Subject target, double fraction);

    /// <summary>
    /// Only the choice for <paramref name="fraction"/>, leaving <paramref name="analysed"/> as it is (a
    /// comparison compensates on its own). A method may answer from earlier work (redundancy: a prefix of
    /// a larger fraction's plan), so callers ask for fractions largest first.
    /// </summary>
    int[][] ChooseOnly(Subject analysed, double fraction) => Choose(analysed.Clone(), fraction);
}

/// <summary>A decision from one score per neuron: the lowest-scoring neurons of each layer go first.</summary>
public sealed class ScoreDecision(float[][] scores) : IPruningDecision
{
    public float[][] Scores { get; } = scores;

    public int[][] Choose(Subject target, double fraction) =>
        [.. Scores.Select(s => NeuronImportance.Ascending(s).Take(PruningMethods.CountFor(s.Length, fraction)).Order().ToArray())];

    /// <summary>Scores edit nothing, so no copy is needed (and a dictionary's features cannot be copied).</summary>
    public int[][] ChooseOnly(Subject analysed, double fraction) => Choose(analysed, fraction);
}
