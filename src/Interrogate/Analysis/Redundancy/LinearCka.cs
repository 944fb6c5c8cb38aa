using Interrogate.Numerics;

namespace Interrogate.Analysis.Redundancy;

/// <summary>
/// Linear centered kernel alignment between two groups of neurons of one layer, from their covariance:
/// CKA(X, Y) = ‖Cov(X, Y)‖²_F / (‖Cov(X, X)‖_F · ‖Cov(Y, Y)‖_F) (Kornblith et al. 2019). 1 when one
/// group is an orthogonal transform and scaling of the other (so also for duplicates), 0 when uncorrelated.
/// </summary>
public static class LinearCka
{
    public static double Between(ActivationMoments moments, int[] x, int[] y)
    {
        double xy = SquaredNorm(moments.Block(x, y));
        double xx = Math.Sqrt(SquaredNorm(moments.Block(x, x)));
        double yy = Math.Sqrt(SquaredNorm(moments.Block(y, y)));
        return xx > 0 && yy > 0 ? xy / (xx * yy) : 0;
    }

    private static double SquaredNorm(double[] m) => m.Sum(v => v * v);
}
