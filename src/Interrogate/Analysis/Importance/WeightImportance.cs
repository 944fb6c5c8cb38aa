using Interrogate.Tensors;

namespace Interrogate.Analysis.Importance;

/// <summary>Per-weight scores for unstructured pruning; higher = keep.</summary>
public static class WeightImportance
{
    /// <summary>|W|. weight: [out, in]; result: [out·in] row-major.</summary>
    public static float[] Magnitude(Tensor weight)
    {
        var w = weight.ContiguousData().Span;
        var s = new float[w.Length];
        for (int i = 0; i < w.Length; i++) s[i] = Math.Abs(w[i]);
        return s;
    }

    /// <summary>
    /// Wanda (Sun et al. 2023): |W_ij| · ‖X_j‖, where ‖X_j‖ is the L2 norm of input feature j over the
    /// calibration rows. weight: [out, in]; inputNorm: [in]; result: [out·in] row-major.
    /// </summary>
    public static float[] Wanda(Tensor weight, ReadOnlySpan<float> inputNorm)
    {
        int cols = weight.Shape[1];
        if (inputNorm.Length != cols) throw new ArgumentException($"{inputNorm.Length} input norms for a weight with {cols} inputs");
        var w = weight.ContiguousData().Span;
        var s = new float[w.Length];
        for (int i = 0; i < w.Length; i++) s[i] = Math.Abs(w[i]) * inputNorm[i % cols];
        return s;
    }
}
