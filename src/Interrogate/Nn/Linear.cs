using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>y = x·Wᵀ + b. Weight [out, in] as in PyTorch; bias [out].</summary>
public sealed class Linear : Module
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    public Linear(int inFeatures, int outFeatures, bool bias, TensorRandom rng, Initialization init = Initialization.Kaiming)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = AddParameter("weight", init switch
        {
            Initialization.Xavier => rng.XavierUniform(outFeatures, inFeatures),
            Initialization.Normal002 => rng.Normal([outFeatures, inFeatures], 0f, 0.02f),
            // PyTorch's default for nn.Linear: U(±1/sqrt(in)).
            Initialization.PyTorchDefault => rng.Uniform([outFeatures, inFeatures], -1f / MathF.Sqrt(inFeatures), 1f / MathF.Sqrt(inFeatures)),
            _ => rng.KaimingUniform(outFeatures, inFeatures),
        });
        if (bias) Bias = AddParameter("bias", Tensor.Zeros(outFeatures));
    }

    /// <summary>x: [.., in] → [.., out].</summary>
    public Tensor Forward(Tensor x) => x.Linear(Weight, Bias);
}

/// <summary>How a layer's weights are drawn at construction.</summary>
public enum Initialization
{
    /// <summary>He/Kaiming uniform, for ReLU-like activations.</summary>
    Kaiming,
    /// <summary>Glorot/Xavier uniform, for tanh and sigmoid.</summary>
    Xavier,
    /// <summary>N(0, 0.02), as GPT-2.</summary>
    Normal002,
    /// <summary>U(±1/sqrt(fan_in)), nn.Linear's default.</summary>
    PyTorchDefault,
}
