using Interrogate.Data;
using Interrogate.Models;
using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Training.Tricks;

/// <summary>
/// Input standardisation with statistics from the training set. It is applied inside the model
/// (<see cref="StandardisedClassifier"/>) rather than to the data, so images stay in pixel units:
/// augmentation and adversarial budgets (ε) keep their meaning, and attacks differentiate through it.
/// </summary>
public static class Standardisation
{
    public static readonly IReadOnlyList<string> Modes = ["none", "global", "per_pixel"];

    /// <summary>Mean and std per feature ("per_pixel") or one pair repeated ("global"). Tiny stds are floored so constant border pixels stay finite.</summary>
    public static (float[] Mean, float[] Std) Fit(LabelledImages train, string mode)
    {
        int f = train.Features, n = train.Count;
        var mean = new double[f];
        var sq = new double[f];
        for (int i = 0; i < n; i++)
        {
            var image = train.Image(i);
            for (int j = 0; j < f; j++) { mean[j] += image[j]; sq[j] += (double)image[j] * image[j]; }
        }
        if (mode == "global")
        {
            double m = mean.Sum() / ((double)n * f), v = sq.Sum() / ((double)n * f) - m * m;
            return (Enumerable.Repeat((float)m, f).ToArray(), Enumerable.Repeat((float)Math.Sqrt(Math.Max(v, 0) + 1e-6), f).ToArray());
        }
        if (mode != "per_pixel") throw new ArgumentException($"unknown standardisation '{mode}'", nameof(mode));
        var meanF = new float[f];
        var stdF = new float[f];
        for (int j = 0; j < f; j++)
        {
            double m = mean[j] / n;
            meanF[j] = (float)m;
            // Floor at 0.1 (in pixel units) so near-constant pixels are not blown up into noise.
            stdF[j] = (float)Math.Max(Math.Sqrt(Math.Max(sq[j] / n - m * m, 0)), 0.1);
        }
        return (meanF, stdF);
    }

    /// <summary>Wraps a model so it standardises its input first; "none" returns the model itself.</summary>
    public static IClassifier Wrap(IClassifier model, LabelledImages train, string mode)
    {
        if (mode == "none") return model;
        var (mean, std) = Fit(train, mode);
        return new StandardisedClassifier(model, mean, std);
    }
}

/// <summary>(x − mean) / std, then the inner classifier. mean, std: [features].</summary>
public sealed class StandardisedClassifier(IClassifier inner, float[] mean, float[] std) : IClassifier
{
    private readonly Tensor mean = new(mean, 1, mean.Length);   // [1, features], broadcast over the batch
    private readonly Tensor invStd = new([.. std.Select(s => 1f / s)], 1, std.Length);

    public IClassifier Inner { get; } = inner;
    public Module Module => Inner.Module;

    /// <summary>x: [batch, features] in pixel units → logits [batch, classes].</summary>
    public Tensor Forward(Tensor x) => Inner.Forward(x.Sub(mean).Mul(invStd));
}
