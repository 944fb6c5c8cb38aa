using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>
/// One step of a gated recurrent unit, with PyTorch's nn.GRUCell conventions and parameter names:
/// weight_ih [3H, I], weight_hh [3H, H], bias_ih [3H], bias_hh [3H], gate blocks in the order r, z, n.
/// <code>
/// r = σ(W_ir x + b_ir + W_hr h + b_hr)
/// z = σ(W_iz x + b_iz + W_hz h + b_hz)
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
/// h' = (1 − z) ⊙ n + z ⊙ h
/// </code>
/// Built from recorded ops, so its backward (through time, too) comes from the tape.
/// </summary>
public sealed class GruCell : GatedRecurrentCell
{
    /// <summary>Every weight and bias drawn from U(±1/√H), as PyTorch.</summary>
    public GruCell(int inputSize, int hiddenSize, TensorRandom rng) : base(inputSize, hiddenSize, gates: 3, rng) { }

    /// <summary>One step from a projected input. inputGates: [B, 3H] (from <see cref="GatedRecurrentCell.ProjectInput"/>); h: [B, H] → h' [B, H].</summary>
    public Tensor Step(Tensor inputGates, Tensor h)
    {
        int n = HiddenSize;
        var gi = inputGates.Split([n, n, n], 1);
        var gh = h.Linear(WeightHh, BiasHh).Split([n, n, n], 1);
        var r = gi[0].Add(gh[0]).Sigmoid();
        var z = gi[1].Add(gh[1]).Sigmoid();
        var candidate = gi[2].Add(r.Mul(gh[2])).Tanh();
        // (1 − z)·n + z·h, written as n + z·(h − n) to save an op.
        return candidate.Add(z.Mul(h.Sub(candidate)));
    }

    /// <summary>x: [B, I]; h: [B, H] → h' [B, H].</summary>
    public Tensor Forward(Tensor x, Tensor h) => Step(ProjectInput(x), h);
}
