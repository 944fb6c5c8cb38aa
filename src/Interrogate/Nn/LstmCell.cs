using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>
/// One step of a long short-term memory cell, with PyTorch's nn.LSTMCell conventions and parameter
/// names: weight_ih [4H, I], weight_hh [4H, H], bias_ih [4H], bias_hh [4H], gate blocks i, f, g, o.
/// <code>
/// i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(W_if x + b_if + W_hf h + b_hf)
/// g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = σ(W_io x + b_io + W_ho h + b_ho)
/// c' = f ⊙ c + i ⊙ g                        h' = o ⊙ tanh(c')
/// </code>
/// Built from recorded ops, so its backward (through time, too) comes from the tape.
/// </summary>
public sealed class LstmCell : GatedRecurrentCell
{
    /// <summary>Every weight and bias drawn from U(±1/√H), as PyTorch.</summary>
    public LstmCell(int inputSize, int hiddenSize, TensorRandom rng) : base(inputSize, hiddenSize, gates: 4, rng) { }

    /// <summary>
    /// One step from a projected input. inputGates: [B, 4H] (from <see cref="GatedRecurrentCell.ProjectInput"/>);
    /// h, c: [B, H]. Returns (h', c'), each [B, H].
    /// </summary>
    public (Tensor Hidden, Tensor Cell) Step(Tensor inputGates, Tensor h, Tensor c)
    {
        int n = HiddenSize;
        var gates = inputGates.Add(h.Linear(WeightHh, BiasHh)).Split([n, n, n, n], 1);
        var i = gates[0].Sigmoid();
        var f = gates[1].Sigmoid();
        var g = gates[2].Tanh();
        var o = gates[3].Sigmoid();
        var cNext = f.Mul(c).Add(i.Mul(g));
        return (o.Mul(cNext.Tanh()), cNext);
    }

    /// <summary>x: [B, I]; h, c: [B, H] → (h', c'), each [B, H].</summary>
    public (Tensor Hidden, Tensor Cell) Forward(Tensor x, Tensor h, Tensor c) => Step(ProjectInput(x), h, c);
}
