using System.Globalization;
using Interrogate.Analysis.Redundancy;
using Interrogate.Numerics;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>How removed neurons are made up for when they are cut out.</summary>
public enum Compensation
{
    /// <summary>Each removed neuron's calibration mean times its outgoing column goes into the next bias (mean ablation).</summary>
    MeanIntoBias,

    /// <summary>
    /// The redundancy planner's refit: one least-squares map per layer, removed ≈ A·kept + d, fitted on the
    /// calibration activations (the fit part redundancy uses), folded into the kept neurons' outgoing
    /// columns and the next bias (<see cref="Folding"/>), whichever method chose the neurons.
    /// </summary>
    LeastSquaresRefit,
}

/// <summary>
/// Removal with either compensation, so a comparison can change the choice of neurons and the
/// compensation one at a time. The refit's moments are measured once per network.
/// </summary>
public sealed class Refit
{
    private readonly Subject network;
    private readonly IReadOnlyList<float[]> means;
    private readonly ActivationMoments[] fit;

    /// <param name="network">The unpruned network; it is never modified.</param>
    /// <param name="means">Per layer, every neuron's calibration mean [width].</param>
    public Refit(Subject network, IReadOnlyList<float[]> means)
    {
        this.network = network;
        this.means = means;
        var subject = network.CalibrationSplit();
        fit = [.. subject.Layers.Select(l => new ActivationMoments(l.Width))];
        subject.Stream(DataPart.Calibration, (l, rows) => fit[l].Add(rows));
    }

    /// <summary>Rows of calibration activations the refit is fitted on.</summary>
    public long FitRows => fit.Length == 0 ? 0 : fit[0].Count;

    /// <summary>A smaller copy of the network without the <paramref name="removed"/> neurons of each layer.</summary>
    public Subject Remove(int[][] removed, Compensation compensation)
    {
        if (compensation == Compensation.MeanIntoBias) return NeuronRemoval.Remove(network, removed, means);
        var copy = network.Clone();
        for (int l = 0; l < copy.Layers.Count; l++)
        {
            if (removed[l].Length == 0) continue;
            var layer = copy.Layers[l];
            var kept = Enumerable.Range(0, layer.Width).Except(removed[l]).ToArray();
            // Fewer rows than kept neurons leave the least-squares map underdetermined: the ridge alone picks
            // huge coefficients and the refit network's loss comes out NaN. Say so instead of reporting that.
            if (FitRows <= kept.Length)
                throw new InputException(string.Create(CultureInfo.InvariantCulture,
                    $"--calibration-tokens: the refit of layer {l} fits its {removed[l].Length} removed neurons on its {kept.Length} kept ones from {FitRows} calibration rows; it needs more rows than kept neurons (raise --calibration-tokens at least {Math.Ceiling((kept.Length + 1.0) / Math.Max(1, FitRows) * 10) / 10:0.0}-fold)"));
            Folding.Fold(layer, LinearFit.Fit(fit[l], kept, [.. removed[l].Order()], intercept: layer.Outgoing.Bias is not null, LinearFit.DefaultRidge));
        }
        // The folds zeroed the removed columns and moved their offsets into the bias: cut them out as they are.
        return NeuronRemoval.Remove(copy, removed);
    }
}
