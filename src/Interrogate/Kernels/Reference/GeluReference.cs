namespace Interrogate.Kernels.Reference;

/// <summary>
/// The naive double-precision twin of the GELU kernels in <see cref="Activations"/>: the erf form from
/// the series/continued-fraction <see cref="Activations.Erf"/> (not the interpolation table the kernel
/// uses), the tanh form from <see cref="Math.Tanh"/> (not the exponential rewrite), and both
/// derivatives written out from the formulas, one element at a time.
/// </summary>
public static class GeluReference
{
    private const double SqrtTwoOverPi = 0.79788456080286536;   // √(2/π)
    private const double TanhCubic = 0.044715;

    /// <summary>x·Φ(x), Φ(x) = ½(1 + erf(x/√2)).</summary>
    public static double Erf(double x) => x * Phi(x);

    /// <summary>d/dx[x·Φ(x)] = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π).</summary>
    public static double ErfDerivative(double x) => Phi(x) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    /// <summary>½x(1 + tanh(√(2/π)(x + 0.044715x³))), GPT-2's gelu_new.</summary>
    public static double Tanh(double x) => 0.5 * x * (1 + Math.Tanh(Inner(x)));

    /// <summary>d/dx of <see cref="Tanh"/>: ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²), t = tanh(inner).</summary>
    public static double TanhDerivative(double x)
    {
        double t = Math.Tanh(Inner(x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SqrtTwoOverPi * (1 + 3 * TanhCubic * x * x);
    }

    private static double Inner(double x) => SqrtTwoOverPi * (x + TanhCubic * x * x * x);

    private static double Phi(double x) => 0.5 * (1 + Activations.Erf(x / Math.Sqrt(2)));
}
