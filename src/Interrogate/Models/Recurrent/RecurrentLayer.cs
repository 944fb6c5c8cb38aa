using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.Recurrent;

/// <summary>
/// Runs a GRU or LSTM cell (child "cell") over a sequence from a zero state and exposes every
/// hidden state at hook point "hook_hidden" ([B, T, H]). The input projections of all steps are
/// one GEMM; only the hidden-to-hidden product is per step. An edit at the hook changes what
/// later layers read, not the recurrence itself.
/// </summary>
public sealed class RecurrentLayer : Module
{
    public static readonly IReadOnlyList<string> CellTypes = ["gru", "lstm"];

    private readonly HookPoint hookHidden;

    public GruCell? Gru { get; }
    public LstmCell? Lstm { get; }
    public int HiddenSize { get; }

    public RecurrentLayer(string cell, int inputSize, int hiddenSize, TensorRandom rng)
    {
        HiddenSize = hiddenSize;
        switch (cell)
        {
            case "gru": Gru = AddModule("cell", new GruCell(inputSize, hiddenSize, rng)); break;
            case "lstm": Lstm = AddModule("cell", new LstmCell(inputSize, hiddenSize, rng)); break;
            default: throw new InputException($"unknown recurrent cell '{cell}' (known: {string.Join(", ", CellTypes)})");
        }
        hookHidden = AddHookPoint("hook_hidden");
    }

    /// <summary>x: [B, T, I] → hidden states [B, T, H] (step t's state at [:, t, :]).</summary>
    public Tensor Forward(Tensor x)
    {
        if (x.Rank != 3) throw new ArgumentException($"recurrent input {x.Describe()} must be [B, T, I]");
        int batch = x.Shape[0], steps = x.Shape[1];
        // Time-major, so each step's projected input is a contiguous [B, G] slice.
        var timeMajor = x.Transpose(0, 1).Contiguous();
        var projected = Gru is not null ? Gru.ProjectInput(timeMajor) : Lstm!.ProjectInput(timeMajor);
        int gates = projected.Shape[2];
        var h = Tensor.Zeros(batch, HiddenSize);
        var c = Tensor.Zeros(batch, HiddenSize);
        var states = new Tensor[steps];
        for (int t = 0; t < steps; t++)
        {
            var input = projected.Slice(0, t, 1).Reshape(batch, gates);
            if (Gru is not null) h = Gru.Step(input, h);
            else (h, c) = Lstm!.Step(input, h, c);
            states[t] = h.Reshape(batch, 1, HiddenSize);
        }
        return hookHidden.Apply(Ops.Concat(states, 1));
    }
}
