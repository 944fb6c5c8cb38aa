using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Interrogate.Tensors;

namespace Interrogate.Training;

public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients so their global L2 norm is at most <paramref name="maxNorm"/>
    /// (torch.nn.utils.clip_grad_norm_). Returns the norm before clipping.
    /// </summary>
    public static float ClipByGlobalNorm(IEnumerable<Tensor> parameters, float maxNorm)
    {
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        double sumSquares = 0;
        foreach (var g in grads) sumSquares += TensorPrimitives.SumOfSquares<float>(g.Span);
        float norm = (float)Math.Sqrt(sumSquares);
        if (norm > maxNorm && norm > 0f)
        {
            float scale = maxNorm / (norm + 1e-6f);
            foreach (var g in grads) TensorPrimitives.Multiply(g.Span, scale, g.Span);
        }
        return norm;
    }
}
