using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tests.Tensors.Autodiff;

/// <summary>
/// Compares tape gradients with central finite differences. For an op f and inputs x, the scalar
/// L = Σ wᵢ·f(x)ᵢ (w random, fixed seed; accumulated in double) is differentiated both ways: by the
/// tape, seeding backward with w, and numerically, (L(x + ε) − L(x − ε)) / 2ε per element, from the
/// float32 forward. Inputs may be strided views: the perturbation goes through their strides.
/// </summary>
internal static class GradCheck
{
    /// <summary>Asserts |numeric − tape| ≤ tol·max(1, |tape|) for up to maxPerInput elements of every input.</summary>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-2, double tol = 1e-2,
        int maxPerInput = 48, ulong seed = 7)
    {
        var y0 = f(inputs);
        var w = new TensorRandom(seed).Normal(y0.Shape).ToArray();
        foreach (var x in inputs) { x.RequiresGrad = true; x.Grad = null; }
        using (var tape = new GradientTape())
        {
            var y = f(inputs);
            Assert.True(y.RequiresGrad, "output is not on the tape");
            tape.Backward(y, new Tensor(w, y.Shape));
        }
        var pick = new TensorRandom(seed + 1);
        for (int n = 0; n < inputs.Length; n++)
        {
            var x = inputs[n];
            var grad = x.Grad?.ToArray() ?? new float[x.Size];
            Assert.Equal(x.Size, grad.Length);
            int count = Math.Min(x.Size, maxPerInput);
            for (int s = 0; s < count; s++)
            {
                int flat = x.Size <= maxPerInput ? s : pick.NextInt(x.Size);
                int at = StorageIndex(x, flat);
                float original = x.Storage[at];
                x.Storage[at] = (float)(original + eps);
                double plus = Loss(f, inputs, w);
                x.Storage[at] = (float)(original - eps);
                double minus = Loss(f, inputs, w);
                x.Storage[at] = original;
                double numeric = (plus - minus) / (2 * eps);
                double tape = grad[flat];
                Assert.True(Math.Abs(numeric - tape) <= tol * Math.Max(1.0, Math.Abs(tape)),
                    $"input {n} {Shape.Format(x.Shape)} element {flat}: tape {tape:G6}, numeric {numeric:G6}");
            }
        }
    }

    private static double Loss(Func<Tensor[], Tensor> f, Tensor[] inputs, float[] w)
    {
        var y = f(inputs).ToArray();
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += (double)w[i] * y[i];
        return sum;
    }

    private static int StorageIndex(Tensor x, int flat)
    {
        int at = x.Offset;
        for (int ax = x.Rank - 1; ax >= 0; ax--)
        {
            at += flat % x.Shape[ax] * x.Strides[ax];
            flat /= x.Shape[ax];
        }
        return at;
    }

    /// <summary>A random normal tensor with a fixed seed.</summary>
    public static Tensor Randn(ulong seed, params int[] shape) => new TensorRandom(seed).Normal(shape);

    /// <summary>A random tensor of the given logical shape, laid out transposed (a non-contiguous view of fresh storage).</summary>
    public static Tensor RandnTransposed(ulong seed, params int[] shape)
    {
        var stored = (int[])shape.Clone();
        (stored[^1], stored[^2]) = (stored[^2], stored[^1]);
        var view = Randn(seed, stored).Transpose(-1, -2);
        Assert.False(view.IsContiguous);
        return view;
    }

    /// <summary>Asserts two float sequences agree within an absolute tolerance and reports the worst element.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0; int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)expected[i] - actual[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        Assert.True(worst <= tol, $"max difference {worst:G4} at element {at}: expected {(at >= 0 ? expected[at] : 0)}, got {(at >= 0 ? actual[at] : 0)}");
    }
}
