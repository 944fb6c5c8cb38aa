using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>
/// The parameters every PyTorch-layout gated recurrent cell has, for G gate blocks: weight_ih [G·H, I],
/// weight_hh [G·H, H], bias_ih [G·H], bias_hh [G·H], each drawn from U(±1/√H) as PyTorch does. The
/// cells differ only in how a step combines the gates (<see cref="GruCell"/>, <see cref="LstmCell"/>).
/// </summary>
public abstract class GatedRecurrentCell : Module
{
    public Tensor WeightIh { get; }
    public Tensor WeightHh { get; }
    public Tensor BiasIh { get; }
    public Tensor BiasHh { get; }
    public int InputSize { get; }
    public int HiddenSize { get; }

    protected GatedRecurrentCell(int inputSize, int hiddenSize, int gates, TensorRandom rng)
    {
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        float bound = 1f / MathF.Sqrt(hiddenSize);
        WeightIh = AddParameter("weight_ih", rng.Uniform([gates * hiddenSize, inputSize], -bound, bound));
        WeightHh = AddParameter("weight_hh", rng.Uniform([gates * hiddenSize, hiddenSize], -bound, bound));
        BiasIh = AddParameter("bias_ih", rng.Uniform([gates * hiddenSize], -bound, bound));
        BiasHh = AddParameter("bias_hh", rng.Uniform([gates * hiddenSize], -bound, bound));
    }

    /// <summary>
    /// The input half of the gates, W_ih x + b_ih, for any number of steps at once (one GEMM for a
    /// whole sequence instead of one per step). x: [.., I] → [.., G·H].
    /// </summary>
    public Tensor ProjectInput(Tensor x) => x.Linear(WeightIh, BiasIh);
}
