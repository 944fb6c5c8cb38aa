namespace Interrogate.Numerics;

/// <summary>
/// L2-regularised logistic regression on a few standardised features, fitted by Newton's method in
/// double with a backtracking line search. Minimises mean log-loss + (λ/2)·‖w‖², the intercept
/// unpenalised but for a 1e-8 ridge that keeps single-class folds finite. With k ≤ ~32 features the
/// (k+1)² Hessian is solved directly by Cholesky, so a fit takes a handful of passes over the data.
/// </summary>
public sealed class LogisticRegression
{
    private readonly double[] featureMean, featureScale, weights;   // weights [k + 1], intercept last

    private LogisticRegression(double[] mean, double[] scale, double[] weights)
    {
        featureMean = mean;
        featureScale = scale;
        this.weights = weights;
    }

    public int Features => featureMean.Length;

    /// <summary>Weights on the standardised features, intercept last.</summary>
    public IReadOnlyList<double> Weights => weights;

    /// <param name="x">[n, k], row-major.</param>
    /// <param name="y">[n].</param>
    /// <param name="l2">λ, on standardised features.</param>
    /// <param name="maxIterations">Newton steps at most; a few suffice unless the classes are separable.</param>
    public static LogisticRegression Fit(double[] x, bool[] y, double l2 = 1e-3, int maxIterations = 50)
    {
        int n = y.Length, k = x.Length / Math.Max(1, n), d = k + 1;
        var mean = new double[k];
        var scale = new double[k];
        for (int j = 0; j < k; j++)
        {
            double m = 0, v = 0;
            for (int i = 0; i < n; i++) m += x[i * k + j];
            m /= n;
            for (int i = 0; i < n; i++) v += (x[i * k + j] - m) * (x[i * k + j] - m);
            mean[j] = m;
            scale[j] = v > 0 ? Math.Sqrt(v / n) : 1;
        }
        var z = new double[n * d];   // [n, k + 1] standardised, with a column of ones
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < k; j++) z[i * d + j] = (x[i * k + j] - mean[j]) / scale[j];
            z[i * d + k] = 1;
        }
        var w = new double[d];
        var ridge = Enumerable.Range(0, d).Select(j => j == k ? 1e-8 : l2).ToArray();
        double loss = Loss(z, y, w, ridge);
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            var gradient = new double[d];
            var hessian = new double[d * d];
            for (int i = 0; i < n; i++)
            {
                var row = z.AsSpan(i * d, d);
                double p = Sigmoid(Dot(row, w)), r = (p - (y[i] ? 1 : 0)) / n, c = p * (1 - p) / n;
                for (int a = 0; a < d; a++)
                {
                    gradient[a] += r * row[a];
                    for (int b = 0; b <= a; b++) hessian[a * d + b] += c * row[a] * row[b];
                }
            }
            for (int a = 0; a < d; a++)
            {
                gradient[a] += ridge[a] * w[a];
                hessian[a * d + a] += ridge[a];
                for (int b = 0; b < a; b++) hessian[b * d + a] = hessian[a * d + b];
            }
            var step = CholeskySolve(hessian, gradient, d);
            double t = 1, next;
            var candidate = new double[d];
            while (true)
            {
                for (int a = 0; a < d; a++) candidate[a] = w[a] - t * step[a];
                next = Loss(z, y, candidate, ridge);
                if (next <= loss || t < 1e-6) break;
                t /= 2;
            }
            candidate.CopyTo(w, 0);
            bool converged = loss - next < 1e-12 * Math.Max(1, loss);
            loss = next;
            if (converged) break;
        }
        return new LogisticRegression(mean, scale, w);
    }

    /// <summary>P(concept) for one row of the k raw (unstandardised) features.</summary>
    public double Probability(ReadOnlySpan<double> features)
    {
        double s = weights[^1];
        for (int j = 0; j < Features; j++) s += weights[j] * (features[j] - featureMean[j]) / featureScale[j];
        return Sigmoid(s);
    }

    private static double Loss(double[] z, bool[] y, double[] w, double[] ridge)
    {
        int d = w.Length;
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double s = Dot(z.AsSpan(i * d, d), w);
            // log(1 + e^s) − y·s, written to avoid overflow for large |s|.
            sum += (s > 0 ? s + double.LogP1(Math.Exp(-s)) : double.LogP1(Math.Exp(s))) - (y[i] ? s : 0);
        }
        double penalty = 0;
        for (int a = 0; a < d; a++) penalty += ridge[a] * w[a] * w[a];
        return sum / y.Length + penalty / 2;
    }

    private static double Dot(ReadOnlySpan<double> a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static double Sigmoid(double s) => s >= 0 ? 1 / (1 + Math.Exp(-s)) : Math.Exp(s) / (1 + Math.Exp(s));

    /// <summary>Solves A·x = b for symmetric positive-definite A [d, d] (the ridge guarantees it).</summary>
    private static double[] CholeskySolve(double[] a, double[] b, int d)
    {
        var l = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = a[i * d + j];
                for (int m = 0; m < j; m++) s -= l[i * d + m] * l[j * d + m];
                l[i * d + j] = i == j ? Math.Sqrt(Math.Max(s, 1e-300)) : s / l[j * d + j];
            }
        var x = new double[d];
        for (int i = 0; i < d; i++)
        {
            double s = b[i];
            for (int m = 0; m < i; m++) s -= l[i * d + m] * x[m];
            x[i] = s / l[i * d + i];
        }
        for (int i = d - 1; i >= 0; i--)
        {
            double s = x[i];
            for (int m = i + 1; m < d; m++) s -= l[m * d + i] * x[m];
            x[i] = s / l[i * d + i];
        }
        return x;
    }
}
