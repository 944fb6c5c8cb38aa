using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>
/// 2D convolution layer: weight [out, in, kH, kW] and bias [out] as in PyTorch's nn.Conv2d.
/// Each output channel is one filter shared by every position: a group of neurons with one weight set.
/// </summary>
public sealed class Conv2d : Module
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }

    /// <summary>Square kernel; weights drawn Kaiming-uniform with fan-in in·k·k (or Xavier for tanh/sigmoid nets).</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, bool bias, TensorRandom rng,
        Initialization init = Initialization.Kaiming)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        int fanIn = inChannels * kernelSize * kernelSize;
        var flat = init == Initialization.Xavier
            ? rng.XavierUniform(outChannels, fanIn)
            : rng.KaimingUniform(outChannels, fanIn);
        Weight = AddParameter("weight", flat.Reshape(outChannels, inChannels, kernelSize, kernelSize));
        if (bias) Bias = AddParameter("bias", Tensor.Zeros(outChannels));
    }

    /// <summary>x: [B, in, H, W] → [B, out, H', W'].</summary>
    public Tensor Forward(Tensor x) => x.Conv2d(Weight, Bias, Stride, Padding);
}
