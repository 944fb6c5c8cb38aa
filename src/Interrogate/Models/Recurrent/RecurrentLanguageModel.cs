using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.Recurrent;

/// <summary>
/// A next-token model: embed (token table) → rnn (GRU or LSTM) → head (linear to the vocabulary).
/// Hook point: rnn.hook_hidden [B, T, H]. Train with logits.CrossEntropy(ids shifted by one).
/// </summary>
public sealed class RecurrentLanguageModel : Module
{
    public RecurrentLanguageModelConfig Config { get; }
    public TokenEmbedding Embed { get; }
    public RecurrentLayer Rnn { get; }
    public Linear Output { get; }

    public RecurrentLanguageModel(RecurrentLanguageModelConfig config, ulong seed)
    {
        Config = config;
        var rng = new TensorRandom(seed);
        Embed = AddModule("embed", new TokenEmbedding(config.VocabSize, config.EmbeddingSize, rng));
        Rnn = AddModule("rnn", new RecurrentLayer(config.Cell, config.EmbeddingSize, config.HiddenSize, rng));
        Output = AddModule("head", new Linear(config.HiddenSize, config.VocabSize, bias: true, rng, Initialization.Xavier));
        NameHookPoints();
    }

    /// <summary>ids: batch·seq token ids in [0, V), row-major [batch, seq] → logits [batch, seq, V].</summary>
    public Tensor Forward(int[] ids, int batch, int seq)
    {
        if (ids.Length != batch * seq)
            throw new ArgumentException($"{ids.Length} token ids do not fill [batch {batch}, seq {seq}]");
        return NonFiniteOutput.Check(this, Logits(ids, batch, seq), () => Logits(ids, batch, seq));
    }

    private Tensor Logits(int[] ids, int batch, int seq)
    {
        return Output.Forward(Rnn.Forward(Embed.Forward(ids, batch, seq)));
    }
}
