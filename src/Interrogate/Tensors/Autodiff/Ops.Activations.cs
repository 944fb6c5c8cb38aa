using System.Numerics.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// The pattern every op follows: compute the forward into a new tensor, then, only when the
// tape asks for it, record the backward rule right beside it. Rules accumulate (+=) into inputs.
public static partial class Ops
{
    /// <summary>max(x, 0), elementwise. x: any shape.</summary>
    public static Tensor Relu(this Tensor x)
    {
        x = x.ContiguousData();
        var y = Tensor.Zeros(x.Shape);
        TensorPrimitives.Max(x.Span, 0f, y.Span);
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, g =>
            {
                var gx = x.GradSpan();
                var xs = x.Span;
                var gs = g.Span;
                for (int i = 0; i < gs.Length; i++) if (xs[i] > 0f) gx[i] += gs[i];
            });
        return y;
    }
}
