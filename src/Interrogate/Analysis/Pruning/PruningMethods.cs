using Interrogate.Analysis.Importance;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>The pruning methods `--method` knows. Adding a method is one <see cref="PruningMethod"/> value and one line in <see cref="All"/>.</summary>
public static class PruningMethods
{
    public static readonly IReadOnlyList<IPruningMethod> All =
    [
        new ScoreMethod(PruningMethod.Magnitude, "‖incoming weights‖₂·‖outgoing weights‖₂", (n, _) => NeuronImportance.Magnitude(n)),
        new ScoreMethod(PruningMethod.Wanda, "Σ|W|·‖X‖ over the neuron's incoming and outgoing weights (Sun et al. 2023)",
            (n, p) => NeuronImportance.Wanda(n, CalibrationStatistics.Measure(n, f => p?.Invoke("activation statistics", f)))),
        new ScoreMethod(PruningMethod.Ablation, "measured loss increase when the neuron is replaced by its mean",
            (n, p) => NeuronImportance.MeanAblation(n, CalibrationStatistics.Measure(n, f => p?.Invoke("activation statistics", f)),
                f => p?.Invoke("mean-ablating every neuron", f))),
        new ScoreMethod(PruningMethod.Taylor, "mean |activation × gradient| (first-order Taylor, Molchanov et al. 2017)",
            (n, p) => NeuronImportance.Taylor(n, f => p?.Invoke("gradients", f))),
        new RedundancyPruningMethod(),
    ];

    public static IReadOnlyList<string> Names => PruningChoices.Names<PruningMethod>();

    /// <summary>The method <paramref name="method"/> as `prune` runs it.</summary>
    public static IPruningMethod Get(PruningMethod method) => All.First(m => m.Method == method);

    /// <summary>The method called <paramref name="name"/>; an InputException naming --method and the known names otherwise.</summary>
    public static PruningMethod Parse(string name) => PruningChoices.Parse<PruningMethod>(name, "--method", "method");

    /// <summary>How many of <paramref name="width"/> neurons a fraction removes: round(fraction·width).</summary>
    public static int CountFor(int width, double fraction) => (int)Math.Round(fraction * width, MidpointRounding.AwayFromZero);
}

/// <summary>A method that ranks neurons by one importance score per neuron.</summary>
public sealed class ScoreMethod(PruningMethod method, string description, Func<Subject, Action<string, double>?, float[][]> score) : IPruningMethod
{
    public PruningMethod Method { get; } = method;
    public string Label => Method.Name();
    public string Description { get; } = description;

    public IPruningDecision Analyse(Subject network, Action<string, double>? progress = null) => new ScoreDecision(score(network, progress));
}
