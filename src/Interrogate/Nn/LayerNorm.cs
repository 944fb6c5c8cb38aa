using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>Layer normalisation over the last axis with a learned scale and shift of width D.</summary>
public sealed class LayerNorm : Module
{
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public float Epsilon { get; }

    public LayerNorm(int width, float epsilon)
    {
        Epsilon = epsilon;
        Weight = AddParameter("weight", Tensor.Full(1f, width));
        Bias = AddParameter("bias", Tensor.Zeros(width));
    }

    /// <summary>x: [.., D] → [.., D].</summary>
    public Tensor Forward(Tensor x) => x.LayerNorm(Weight, Bias, Epsilon);
}
