using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Interrogate.Data;
using Interrogate.Models;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Training.Adversarial;

/// <summary>
/// Gradient attacks in pixel space under an L∞ budget ε (pixels lie in [0, 1]): FGSM (one signed
/// gradient step, Goodfellow et al. 2015) and PGD (projected steps from a random start, Madry et al.
/// 2018). The model is attacked in evaluation mode (no dropout) and its weights are left untouched.
/// </summary>
public static class Attacks
{
    /// <summary>∂ mean cross-entropy / ∂x. x: [batch, features] → [batch, features].</summary>
    public static float[] InputGradient(IClassifier model, Tensor x, int[] y)
    {
        var input = x.Clone();
        input.RequiresGrad = true;
        using (FreezeWeights(model))
        using (var tape = new GradientTape())
            tape.Backward(model.Forward(input).CrossEntropy(y));
        return input.Grad?.ToArray() ?? new float[x.Size];
    }

    /// <summary>x + ε·sign(∇ₓ loss), clipped to [0, 1]. x: [batch, features].</summary>
    public static Tensor Fgsm(IClassifier model, Tensor x, int[] y, float epsilon)
    {
        using var _ = EvalMode(model);
        var adv = x.Clone();
        Step(adv.Span, InputGradient(model, x, y), epsilon);
        Project(adv.Span, x.Span, epsilon);
        return adv;
    }

    /// <summary>PGD: random start in the ε-ball, then steps of stepSize·sign(∇), each projected back. x: [batch, features].</summary>
    public static Tensor Pgd(IClassifier model, Tensor x, int[] y, float epsilon, int steps, TensorRandom rng, float? stepSize = null)
    {
        using var _ = EvalMode(model);
        float alpha = stepSize ?? 2.5f * epsilon / steps;
        var adv = x.Clone();
        var a = adv.Span;
        for (int i = 0; i < a.Length; i++) a[i] += (float)((2 * rng.NextDouble() - 1) * epsilon);
        Project(a, x.Span, epsilon);
        for (int s = 0; s < steps; s++)
        {
            Step(adv.Span, InputGradient(model, adv, y), alpha);
            Project(adv.Span, x.Span, epsilon);
        }
        return adv;
    }

    /// <summary>Accuracy under PGD on the first <paramref name="count"/> examples (0: all).</summary>
    public static double RobustAccuracy(IClassifier model, LabelledImages data, float epsilon, int steps, int count, ulong seed, int batchSize = 500)
    {
        int n = count <= 0 ? data.Count : Math.Min(count, data.Count);
        var rng = new TensorRandom(seed ^ 0xA77AC4UL);
        int correct = 0;
        var indices = Enumerable.Range(0, n).ToArray();
        for (int start = 0; start < n; start += batchSize)
        {
            var (x, y) = data.Batch(indices.AsSpan(start, Math.Min(batchSize, n - start)));
            var adv = Pgd(model, x, y, epsilon, steps, rng);
            correct += CountCorrect(model, adv, y);
        }
        return (double)correct / n;
    }

    /// <summary>How many rows of x the model classifies as y.</summary>
    public static int CountCorrect(IClassifier model, Tensor x, int[] y)
    {
        using var _ = EvalMode(model);
        using var __ = GradientTape.NoGrad();
        var logits = model.Forward(x);
        int classes = logits.Shape[1], correct = 0;
        var l = logits.Span;
        for (int i = 0; i < y.Length; i++)
            if (TensorPrimitives.IndexOfMax(l.Slice(i * classes, classes)) == y[i]) correct++;
        return correct;
    }

    private static void Step(Span<float> x, ReadOnlySpan<float> grad, float size)
    {
        for (int i = 0; i < x.Length; i++) x[i] += size * MathF.Sign(grad[i]);
    }

    /// <summary>Clamps adv into [x − ε, x + ε] ∩ [0, 1].</summary>
    public static void Project(Span<float> adv, ReadOnlySpan<float> x, float epsilon)
    {
        for (int i = 0; i < adv.Length; i++)
            adv[i] = Math.Clamp(adv[i], Math.Max(0f, x[i] - epsilon), Math.Min(1f, x[i] + epsilon));
    }

    /// <summary>Stops the weights from collecting gradients (saves the weight-gradient products) until disposed.</summary>
    public static IDisposable FreezeWeights(IClassifier model)
    {
        var frozen = model.Module.Parameters().Where(p => p.RequiresGrad).ToList();
        foreach (var p in frozen) p.RequiresGrad = false;
        return new Restore(() => { foreach (var p in frozen) p.RequiresGrad = true; });
    }

    /// <summary>Evaluation mode until disposed, then the previous mode.</summary>
    public static IDisposable EvalMode(IClassifier model)
    {
        bool was = model.Module.Training;
        model.Module.SetTraining(false);
        return new Restore(() => model.Module.SetTraining(was));
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        private Action? undo = undo;
        public void Dispose() { undo?.Invoke(); undo = null; }
    }
}
