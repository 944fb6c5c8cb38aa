using Interrogate.Nn;
using Interrogate.Tensors;
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
        using var scope = new HookScope().Edit(layer.ActivationHook, activation => Replace(activation, neurons, means));
        return subject.Evaluate().Loss - baseline;
    }

    /// <summary>activation: [.., width] → a copy with the given columns set to their means.</summary>
    private static Tensor Replace(Tensor activation, int[] neurons, double[] means)
    {
        var copy = activation.Clone();
        var s = copy.Span;
        int width = activation.Shape[^1];
        for (int row = 0; row < s.Length / width; row++)
            foreach (int j in neurons) s[row * width + j] = (float)means[j];
        return copy;
    }
}
