namespace Interrogate.Models.Recurrent;

/// <summary>
/// A recurrent classifier that reads each input as a sequence: <see cref="SequenceLength"/> steps
/// of <see cref="InputSize"/> features (MNIST by rows: 28 steps of 28 pixels), then classifies
/// from the last hidden state.
/// </summary>
public sealed record RecurrentClassifierConfig
{
    public const string ModelType = "interrogate-rnn-classifier";

    /// <summary>"gru" or "lstm".</summary>
    public string Cell { get; init; } = "gru";
    public int InputSize { get; init; } = 28;
    public int SequenceLength { get; init; } = 28;
    public int HiddenSize { get; init; } = 128;
    public int NumClasses { get; init; } = 10;
}

/// <summary>A token-level recurrent language model: embedding → GRU/LSTM → linear to the vocabulary.</summary>
public sealed record RecurrentLanguageModelConfig
{
    public const string ModelType = "interrogate-rnn-lm";

    /// <summary>"gru" or "lstm".</summary>
    public string Cell { get; init; } = "gru";
    public int VocabSize { get; init; } = 256;
    public int EmbeddingSize { get; init; } = 64;
    public int HiddenSize { get; init; } = 256;
}
