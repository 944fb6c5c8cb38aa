using Interrogate.Numerics;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Redundancy;

/// <summary>
/// Everything the merge search reads about one layer: its fit and held-out moments, the dense
/// moment matrix forward selection scans (built once), and the variance floor for R².
/// </summary>
public sealed class LayerStatistics
{
    public LayerStatistics(UnitLayer layer, ActivationMoments fit, ActivationMoments heldOut)
    {
        Layer = layer;
        Fit = fit;
        HeldOut = heldOut;
        Intercept = layer.OutputBias is not null;
        var all = Enumerable.Range(0, layer.Width).ToArray();
        Matrix = LinearFit.SecondMoments(fit, all, all, centered: Intercept);
        double meanVariance = all.Average(heldOut.Variance);
        VarianceFloor = meanVariance > 0 ? 1e-6 * meanVariance : 1e-30;
    }

    public UnitLayer Layer { get; }
    public ActivationMoments Fit { get; }
    public ActivationMoments HeldOut { get; }

    /// <summary>Fits include an offset only when the reading layer has a bias to fold it into.</summary>
    public bool Intercept { get; }

    /// <summary>[width, width]: the fit covariance, or E[xxᵀ] when fits have no intercept.</summary>
    public double[] Matrix { get; }

    /// <summary>Held-out variances below this count as this (1e-6 of the layer's mean variance), so dead neurons score R² = 1.</summary>
    public double VarianceFloor { get; }
}
