using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>x/√(mean(x²) + eps)·weight over the last axis (Llama). Weight [D] = 1 at construction.</summary>
public sealed class RmsNorm : Normalization
{
    public RmsNorm(int size, float eps = 1e-6f) : base(size)
    {
        Eps = eps;
        Weight = AddParameter("weight", Tensor.Full(1f, size));
    }

    public float Eps { get; }
    public Tensor Weight { get; }   // [D]

    protected override Tensor Normalize(Tensor x) => x.RmsNorm(Weight, Eps);
}
