using Interrogate.Subjects;

namespace Interrogate.Analysis.Redundancy;

/// <summary>
/// Mean-ablation: replaces chosen neurons' activations at a hook point by their mean over the fit
/// data, and reports the change of the subject's loss. Ablating one of two twins can look harmless
/// while ablating both is not, which is why groups are measured jointly as well as one by one.
/// </summary>
public static class MeanAblation
{
    /// <summary>Loss with the neurons replaced by their means (means: [width], the layer's mean activations), minus <paramref name="baseline"/>.</summary>
    public static double DeltaLoss(Subject subject, UnitLayer layer, int[] neurons, double[] means, double baseline)
    {
        using var scope = subject.MeanAblate(layer, neurons, means);
        return subject.Evaluate().Loss - baseline;
    }
}
