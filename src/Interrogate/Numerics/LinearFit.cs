namespace Interrogate.Numerics;

/// <summary>
/// h_outputs ≈ Coefficients · h_inputs + Offsets for neurons of one layer.
/// Coefficients: [outputs, inputs], row-major. Offsets: [outputs] (all zero for a fit without intercept).
/// </summary>
public sealed record LinearMap(int[] Inputs, int[] Outputs, double[] Coefficients, double[] Offsets)
{
    public double Coefficient(int output, int input) => Coefficients[output * Inputs.Length + input];
}

/// <summary>How well a <see cref="LinearMap"/> predicts data it was not fitted on.</summary>
/// <param name="R2">Per output: 1 − E[residual²] / Var(output). Result: [outputs].</param>
/// <param name="ResidualRms">Per output: √E[residual²], in activation units. Result: [outputs].</param>
/// <param name="OverallR2">1 − Σ E[residual²] / Σ Var(output), over all outputs.</param>
public sealed record FitScore(double[] R2, double[] ResidualRms, double OverallR2);

/// <summary>
/// Multi-output least squares between neuron groups, solved from <see cref="ActivationMoments"/>
/// alone (normal equations in double, ridge-stabilised), and scored exactly on another set's moments:
/// E[r²] of the residual r = y − A·x − d is a quadratic form in that set's covariance and means.
/// </summary>
public static class LinearFit
{
    /// <summary>Relative ridge: λ = this × the mean input variance, added to the input covariance's diagonal.</summary>
    public const double DefaultRidge = 1e-6;

    /// <summary>
    /// Fits h_outputs ≈ A·h_inputs + d on <paramref name="fit"/>'s moments. With
    /// <paramref name="intercept"/> false, d = 0 and the fit uses uncentered second moments (for
    /// layers whose output projection has no bias to absorb an offset).
    /// </summary>
    public static LinearMap Fit(ActivationMoments fit, int[] inputs, int[] outputs, bool intercept = true, double ridge = DefaultRidge)
    {
        int t = inputs.Length, s = outputs.Length;
        var coefficients = new double[s * t];
        var offsets = new double[s];
        if (t > 0)
        {
            var xx = SecondMoments(fit, inputs, inputs, intercept);    // [t, t]
            var yx = SecondMoments(fit, outputs, inputs, intercept);   // [s, t]
            double lambda = ridge * Enumerable.Range(0, t).Average(i => xx[i * t + i]);
            if (!(lambda > 0)) lambda = 1e-30;
            for (int i = 0; i < t; i++) xx[i * t + i] += lambda;
            var factor = Cholesky.Factor(xx, t);
            for (int o = 0; o < s; o++)
                Cholesky.Solve(factor, t, yx.AsSpan(o * t, t), coefficients.AsSpan(o * t, t));
        }
        if (intercept)
            for (int o = 0; o < s; o++)
            {
                double d = fit.Mean(outputs[o]);
                for (int i = 0; i < t; i++) d -= coefficients[o * t + i] * fit.Mean(inputs[i]);
                offsets[o] = d;
            }
        return new LinearMap(inputs, outputs, coefficients, offsets);
    }

    /// <summary>
    /// Scores a map on <paramref name="heldOut"/>'s moments. Variances below
    /// <paramref name="varianceFloor"/> count as the floor, so a neuron that is constant on both sets
    /// and predicted exactly scores R² = 1 rather than 0/0.
    /// </summary>
    public static FitScore Score(LinearMap map, ActivationMoments heldOut, double varianceFloor)
    {
        int t = map.Inputs.Length, s = map.Outputs.Length;
        var r2 = new double[s];
        var rms = new double[s];
        double residualSum = 0, varianceSum = 0;
        for (int o = 0; o < s; o++)
        {
            int y = map.Outputs[o];
            var a = map.Coefficients.AsSpan(o * t, t);
            // Var(r) = Var(y) − 2·a·Cov(x, y) + a·Cov(x, x)·a
            double variance = heldOut.Covariance(y, y), mean = heldOut.Mean(y) - map.Offsets[o];
            for (int i = 0; i < t; i++)
            {
                int xi = map.Inputs[i];
                variance -= 2 * a[i] * heldOut.Covariance(xi, y);
                for (int j = 0; j < t; j++) variance += a[i] * a[j] * heldOut.Covariance(xi, map.Inputs[j]);
                mean -= a[i] * heldOut.Mean(xi);
            }
            double meanSquare = Math.Max(0, variance) + mean * mean;
            double denominator = Math.Max(heldOut.Variance(y), varianceFloor);
            r2[o] = 1 - meanSquare / denominator;
            rms[o] = Math.Sqrt(meanSquare);
            residualSum += meanSquare;
            varianceSum += denominator;
        }
        return new FitScore(r2, rms, varianceSum > 0 ? 1 - residualSum / varianceSum : 1);
    }

    /// <summary>Covariances (centered) or raw second moments E[a·b] of two index lists. Result: [rows.Length, cols.Length].</summary>
    internal static double[] SecondMoments(ActivationMoments m, int[] rows, int[] cols, bool centered)
    {
        var block = m.Block(rows, cols);
        if (!centered)
            for (int a = 0; a < rows.Length; a++)
                for (int b = 0; b < cols.Length; b++)
                    block[a * cols.Length + b] += m.Mean(rows[a]) * m.Mean(cols[b]);
        return block;
    }
}
