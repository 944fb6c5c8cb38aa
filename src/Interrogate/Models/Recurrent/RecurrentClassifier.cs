using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.Recurrent;

/// <summary>
/// Classifies a flattened input read as a sequence (an image row by row): rnn (GRU or LSTM) →
/// linear head on the last hidden state. Hook point: rnn.hook_hidden [B, T, H].
/// </summary>
public sealed class RecurrentClassifier : Module, IClassifier
{
    Module IClassifier.Module => this;

    public RecurrentClassifierConfig Config { get; }
    public RecurrentLayer Rnn { get; }
    public Linear Output { get; }

    public RecurrentClassifier(RecurrentClassifierConfig config, ulong seed)
    {
        Config = config;
        var rng = new TensorRandom(seed);
        Rnn = AddModule("rnn", new RecurrentLayer(config.Cell, config.InputSize, config.HiddenSize, rng));
        Output = AddModule("head", new Linear(config.HiddenSize, config.NumClasses, bias: true, rng, Initialization.Xavier));
        NameHookPoints();
    }

    /// <summary>x: [batch, T·I] (or [batch, T, I]) → logits [batch, classes].</summary>
    public Tensor Forward(Tensor x) => NonFiniteOutput.Check(this, Logits(x), () => Logits(x));

    private Tensor Logits(Tensor x)
    {
        int steps = Config.SequenceLength, features = Config.InputSize;
        if (x.Rank < 2 || x.Size / x.Shape[0] != steps * features)
            throw new ArgumentException($"RecurrentClassifier expects [B, {steps * features}] or [B, {steps}, {features}]; got {x.Describe()}");
        var hidden = Rnn.Forward(x.Reshape(-1, steps, features));
        var last = hidden.Slice(1, steps - 1, 1).Reshape(hidden.Shape[0], Config.HiddenSize);
        return Output.Forward(last);
    }
}
