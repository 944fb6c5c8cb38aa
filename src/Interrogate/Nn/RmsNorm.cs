using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>
/// x/√(mean(x²) + eps)·(offset + weight) over the last axis. Llama stores the scale itself (offset 0,
/// weight 1 at construction); Gemma stores it relative to 1 (offset 1, weight 0 at construction).
/// </summary>
public sealed class RmsNorm : Normalization
{
    public RmsNorm(int size, float eps = 1e-6f, float offset = 0f) : base(size)
    {
        Eps = eps;
        Offset = offset;
        Weight = AddParameter("weight", Tensor.Full(1f - offset, size));
    }

    public float Eps { get; }
    /// <summary>Added to <see cref="Weight"/> to give the scale: 0 (Llama) or 1 (Gemma's 1 + w).</summary>
    public float Offset { get; }
    public Tensor Weight { get; }   // [D]

    protected override Tensor Normalize(Tensor x) => x.RmsNorm(Offset == 0f ? Weight : Weight.Add(Offset), Eps);

    internal override void NormalizeRows(ReadOnlySpan<float> x, Span<float> y)
    {
        ReadOnlySpan<float> w = Weight.ContiguousData().Span;
        if (Offset != 0f)
        {
            var scale = new float[Size];
            System.Numerics.Tensors.TensorPrimitives.Add(w, Offset, scale);   // as Weight.Add(Offset)
            w = scale;
        }
        for (int r = 0; r < x.Length; r += Size) Kernels.Norms.RmsNorm(x.Slice(r, Size), w, Eps, y.Slice(r, Size));
    }
}
