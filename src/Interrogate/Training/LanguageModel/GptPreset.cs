using Interrogate.Models.Gpt2;

namespace Interrogate.Training.LanguageModel;

/// <summary>
/// A named GPT-2-architecture size with its training settings. <c>tiny</c> is for tests (seconds);
/// <c>small</c> (vocab 4096, 4 layers, d_model 128, 4 heads, context 128, ≈0.8M parameters without
/// the tied embedding) is sized to train in about 30 minutes on 2 cores and still learn spelling and
/// capitalisation: see TRAINING.md of a run for the measured throughput.
/// </summary>
public sealed record GptPreset(string Name, int VocabSize, int Layers, int DModel, int Heads, LanguageModelTrainingOptions Training)
{
    public static readonly GptPreset Tiny = new("tiny", 512, 2, 64, 2, new LanguageModelTrainingOptions
    {
        Steps = 200, BatchSize = 8, SequenceLength = 64, LearningRate = 3e-3f, MinLearningRate = 3e-4f, WarmupSteps = 20,
        EvalEvery = 50, EvalWindows = 16, CheckpointEvery = 50,
    });

    // Chosen by a sweep of the same architecture in PyTorch at equal token budgets (see models/sotu-small/TRAINING.md):
    // at ~30 minutes of 2 cores a narrow 4-layer model that sees many tokens beats a wider one that sees fewer, and
    // batch 16 × 128 at lr 3e-3 was the most token-efficient setting (gap to the bigram 1.016 nats at 13.8M tokens).
    // 7,000 steps × 2,048 tokens = 14.3M tokens (6.5 epochs of sotu's 2.2M-token train split) at ≈ 8,000 tokens/s.
    public static readonly GptPreset Small = new("small", 4096, 4, 128, 4, new LanguageModelTrainingOptions
    {
        Steps = 7000, BatchSize = 16, SequenceLength = 128, LearningRate = 3e-3f, MinLearningRate = 3e-4f, WarmupSteps = 100,
        EvalEvery = 250, EvalWindows = 64, CheckpointEvery = 250, Patience = 5,
    });

    public static IReadOnlyList<GptPreset> All { get; } = [Tiny, Small];

    public static GptPreset Get(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new InputException($"--preset: unknown preset '{name}' (known: {string.Join(", ", All.Select(p => p.Name))})");

    /// <summary>The model config for a tokenizer of <paramref name="vocabSize"/> ids ending in end-of-text.</summary>
    public Gpt2Config ModelConfig(int vocabSize, int? endOfText) => new()
    {
        VocabSize = vocabSize,
        ContextLength = Training.SequenceLength,
        DModel = DModel,
        Layers = Layers,
        Heads = Heads,
        BosId = endOfText,
        EosId = endOfText,
    };
}
