using Interrogate.Analysis.Importance;

namespace Interrogate.Analysis.Pruning;

/// <summary>The pruning methods `--method` knows, by name. Adding a method is one line in <see cref="All"/>.</summary>
public static class PruningMethods
{
    public static readonly IReadOnlyList<IPruningMethod> All =
    [
        new ScoreMethod("magnitude", "‖incoming weights‖₂·‖outgoing weights‖₂", (n, _) => NeuronImportance.Magnitude(n)),
        new ScoreMethod("wanda", "Σ|W|·‖X‖ over the neuron's incoming and outgoing weights (Sun et al. 2023)",
            (n, p) => NeuronImportance.Wanda(n, CalibrationStatistics.Measure(n, f => p?.Invoke("activation statistics", f)))),
        new ScoreMethod("ablation", "measured loss increase when the neuron is replaced by its mean",
            (n, p) => NeuronImportance.MeanAblation(n, CalibrationStatistics.Measure(n, f => p?.Invoke("activation statistics", f)),
                f => p?.Invoke("mean-ablating every neuron", f))),
        new ScoreMethod("taylor", "mean |activation × gradient| (first-order Taylor, Molchanov et al. 2017)",
            (n, p) => NeuronImportance.Taylor(n, f => p?.Invoke("gradients", f))),
        new RedundancyPruningMethod(),
    ];

    public static IReadOnlyList<string> Names => [.. All.Select(m => m.Name)];

    /// <summary>The method called <paramref name="name"/>; an InputException naming --method and the known names otherwise.</summary>
    public static IPruningMethod Get(string name) => All.FirstOrDefault(m => m.Name == name)
        ?? throw new InputException($"--method: unknown method '{MessageTextOf(name)}' (known: {string.Join(", ", Names)})");

    /// <summary>How many of <paramref name="width"/> neurons a fraction removes: round(fraction·width).</summary>
    public static int CountFor(int width, double fraction) => (int)Math.Round(fraction * width, MidpointRounding.AwayFromZero);

    private static string MessageTextOf(string s) => Formats.MessageText.Printable(s);
}

/// <summary>A method that ranks neurons by one importance score per neuron.</summary>
public sealed class ScoreMethod(string name, string description, Func<PrunableNetwork, Action<string, double>?, float[][]> score) : IPruningMethod
{
    public string Name { get; } = name;
    public string Description { get; } = description;

    public IPruningDecision Analyse(PrunableNetwork network, Action<string, double>? progress = null) => new ScoreDecision(score(network, progress));
}
