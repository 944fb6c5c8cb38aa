using System.Diagnostics;
using Interrogate.Analysis.Importance;

namespace Interrogate.Analysis.Pruning;

/// <summary>One method's loss (and accuracy, for classifiers) at each fraction of neurons removed, without fine-tuning.</summary>
public sealed record PruningCurve(string Method, IReadOnlyList<double> Fractions, IReadOnlyList<double> Loss,
    IReadOnlyList<double?> Accuracy, double AnalysisSeconds);

/// <summary>What `prune compare` measured: the unpruned baseline and one curve per method, all on the same evaluation data.</summary>
public sealed record PruningComparisonResult(NetworkEvaluation Baseline, string Unit, IReadOnlyList<PruningCurve> Curves);

/// <summary>
/// Loss-versus-fraction-removed curves for several methods on one network: each method analyses the
/// network once, then every fraction is pruned (removed neurons' means folded into the next bias, as
/// `prune` does) and measured on the evaluation data.
/// </summary>
public static class PruningComparison
{
    /// <summary>Every fraction must lie in (0, 1) and leave every layer at least one neuron.</summary>
    public static void Check(PrunableNetwork network, IReadOnlyList<double> fractions)
    {
        var widths = network.Widths;
        foreach (var f in fractions)
        {
            if (!(f > 0 && f < 1)) throw new InputException($"--fractions: {f} is outside (0, 1)");
            for (int l = 0; l < widths.Length; l++)
                if (PruningMethods.CountFor(widths[l], f) >= widths[l])
                    throw new InputException($"--fractions: {f} removes all {widths[l]} neurons of {network.Layers[l].Name}");
        }
    }

    public static PruningComparisonResult Run(PrunableNetwork network, IReadOnlyList<IPruningMethod> methods, IReadOnlyList<double> fractions,
        Action<string, double>? progress = null, CancellationToken cancel = default)
    {
        Check(network, fractions);
        var baseline = network.Evaluate();
        var means = CalibrationStatistics.Measure(network).Select(s => s.Mean).ToList();
        var curves = new List<PruningCurve>();
        foreach (var method in methods)
        {
            var clock = Stopwatch.StartNew();
            var decision = method.Analyse(network, (what, f) => progress?.Invoke($"{method.Name}: {what}", f));
            double seconds = clock.Elapsed.TotalSeconds;
            var loss = new List<double>();
            var accuracy = new List<double?>();
            for (int i = 0; i < fractions.Count; i++)
            {
                cancel.ThrowIfCancellationRequested();
                progress?.Invoke($"{method.Name}: removing {fractions[i]:P0}", (double)i / fractions.Count);
                var copy = network.Clone();
                var pruned = NeuronRemoval.Remove(copy, decision.Choose(copy, fractions[i]), means);
                var e = pruned.Evaluate();
                loss.Add(e.Loss);
                accuracy.Add(e.Accuracy);
            }
            curves.Add(new PruningCurve(method.Name, fractions, loss, accuracy, seconds));
        }
        return new PruningComparisonResult(baseline, network.Unit, curves);
    }
}
