namespace Interrogate.Kernels.Reference;

/// <summary>
/// The naive double-precision twin of <see cref="Softmax"/>, written from the definitions: forward by
/// the formula, backward as the full Jacobian–vector product (O(d²)), so the fast kernels' closed forms
/// are checked against something they do not share.
/// </summary>
public static class SoftmaxReference
{
    /// <summary>softmax(x)_i = exp(x_i − max) / Σ_j exp(x_j − max). x: one row [d]; returns [d].</summary>
    public static double[] Forward(ReadOnlySpan<float> x)
    {
        double max = double.NegativeInfinity;
        foreach (float v in x) max = Math.Max(max, v);
        var y = new double[x.Length];
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += y[i] = Math.Exp(x[i] - max);
        for (int i = 0; i < x.Length; i++) y[i] /= sum;
        return y;
    }

    /// <summary>log Σ exp(x), computed stably. x: one row [d].</summary>
    public static double LogSumExp(ReadOnlySpan<float> x)
    {
        double max = double.NegativeInfinity;
        foreach (float v in x) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in x) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }

    /// <summary>log softmax(x)_i = x_i − logΣexp(x). x: one row [d]; returns [d].</summary>
    public static double[] LogForward(ReadOnlySpan<float> x)
    {
        double lse = LogSumExp(x);
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = x[i] - lse;
        return y;
    }

    /// <summary>gx_j = Σ_i g_i ∂softmax_i/∂x_j with ∂softmax_i/∂x_j = s_i(δ_ij − s_j). x, g: one row [d]; returns [d].</summary>
    public static double[] Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> g)
    {
        var s = Forward(x);
        var gx = new double[x.Length];
        for (int j = 0; j < x.Length; j++)
            for (int i = 0; i < x.Length; i++) gx[j] += g[i] * s[i] * ((i == j ? 1 : 0) - s[j]);
        return gx;
    }

    /// <summary>gx_j = Σ_i g_i ∂logsoftmax_i/∂x_j with ∂logsoftmax_i/∂x_j = δ_ij − s_j. x, g: one row [d]; returns [d].</summary>
    public static double[] LogBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> g)
    {
        var s = Forward(x);
        var gx = new double[x.Length];
        for (int j = 0; j < x.Length; j++)
            for (int i = 0; i < x.Length; i++) gx[j] += g[i] * ((i == j ? 1 : 0) - s[j]);
        return gx;
    }

    /// <summary>∂/∂x of scale·(−log softmax(x)_target) = scale·(softmax(x) − onehot(target)). x: one row [d]; returns [d].</summary>
    public static double[] CrossEntropyBackward(ReadOnlySpan<float> x, int target, double scale)
    {
        var s = Forward(x);
        for (int i = 0; i < s.Length; i++) s[i] = scale * (s[i] - (i == target ? 1 : 0));
        return s;
    }
}
