using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>(x − mean)/√(var + eps)·weight + bias over the last axis. Weight [D] = 1, bias [D] = 0 at construction.</summary>
public sealed class LayerNorm : Normalization
{
    public LayerNorm(int size, float eps = 1e-5f) : base(size)
    {
        Eps = eps;
        Weight = AddParameter("weight", Tensor.Full(1f, size));
        Bias = AddParameter("bias", Tensor.Zeros(size));
    }

    public float Eps { get; }
    public Tensor Weight { get; }   // [D]
    public Tensor Bias { get; }     // [D]

    protected override Tensor Normalize(Tensor x) => x.LayerNorm(Weight, Bias, Eps);

    internal override void NormalizeRows(ReadOnlySpan<float> x, Span<float> y)
    {
        ReadOnlySpan<float> w = Weight.ContiguousData().Span, b = Bias.ContiguousData().Span;
        for (int r = 0; r < x.Length; r += Size) Kernels.Norms.LayerNorm(x.Slice(r, Size), w, b, Eps, y.Slice(r, Size));
    }
}
