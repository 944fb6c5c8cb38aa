using Interrogate.Models.Gemma;
using Interrogate.Models.GptNeoX;
using Interrogate.Models.Llama;
using Interrogate.Models.Phi3;
using Interrogate.Models.Transformer;

namespace Interrogate.Tests.Models.Families;

/// <summary>
/// One tiny random model per family and option the issue names (scaled RoPE of each type, GQA, tied
/// embeddings, biases, sliding windows shorter than the test sequences, soft-capping, partial rotary,
/// parallel and sequential residuals). Sequences in the tests run 12–13 tokens, so every window here binds.
/// </summary>
internal static class FamilyKit
{
    public const int Window = 5;

    private static readonly LlamaConfig LlamaBase = new()
    {
        VocabSize = 43, ContextLength = 32, DModel = 16, Layers = 2, Heads = 4, KeyValueHeads = 2, HeadDim = 8, Intermediate = 20,
        RmsNormEps = 1e-5f, RopeTheta = 10000, BosId = 1, EosId = 2,
    };

    /// <summary>Names of the variants, for theories.</summary>
    public static IEnumerable<string> Names => Builders.Keys;

    public static TheoryData<string> All => [.. Names];

    /// <summary>Builds the named variant with every parameter randomised.</summary>
    public static CausalLanguageModel Build(string name, ulong seed = 1) => ModelKit.Randomized(Builders[name](seed), seed);

    private static readonly Dictionary<string, Func<ulong, CausalLanguageModel>> Builders = new()
    {
        // Llama 3.x: rope_theta 500000 is real, but with Dh = 8 the llama3 scaling needs θ = 10⁴ for its
        // frequencies to fall in all three bands (kept, interpolated, divided) at original context 1024.
        ["llama3-tied-gqa"] = s => new LlamaModel(LlamaBase with
        {
            KeyValueHeads = 1, TieWordEmbeddings = true,
            RopeScaling = new RopeScaling { Kind = RopeScalingKind.Llama3, Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalContext = 1024 },
        }, s),
        ["llama-linear"] = s => new LlamaModel(LlamaBase with { RopeScaling = new RopeScaling { Kind = RopeScalingKind.Linear, Factor = 2 }, AttentionBias = true }, s),
        // max_position_embeddings 8 < the 12-token test rows: the dynamic base change is exercised.
        ["llama-dynamic"] = s => new LlamaModel(LlamaBase with { ContextLength = 8, RopeScaling = new RopeScaling { Kind = RopeScalingKind.Dynamic, Factor = 2, OriginalContext = 8 } }, s),
        ["llama-yarn"] = s => new LlamaModel(LlamaBase with { RopeScaling = new RopeScaling { Kind = RopeScalingKind.Yarn, Factor = 4, OriginalContext = 64 }, MlpBias = true }, s),
        ["mistral-window"] = s => new LlamaModel(LlamaBase with { ModelType = "mistral", SlidingWindow = Window }, s),
        ["qwen2-bias-tied-window"] = s => new LlamaModel(LlamaBase with
        {
            ModelType = "qwen2", QkvBias = true, TieWordEmbeddings = true, SlidingWindow = Window, SlidingLayers = [false, true],
        }, s),
        ["gemma"] = s => new GemmaModel(new GemmaConfig
        {
            VocabSize = 43, ContextLength = 32, DModel = 16, Layers = 2, Heads = 4, KeyValueHeads = 1, HeadDim = 8, Intermediate = 20,
        }, s),
        ["gemma2-softcap-window"] = s => new GemmaModel(new GemmaConfig
        {
            ModelType = "gemma2", VocabSize = 43, ContextLength = 32, DModel = 16, Layers = 3, Heads = 4, KeyValueHeads = 2, HeadDim = 8,
            Intermediate = 20, QueryPreAttnScalar = 6, AttnSoftCap = 2.5, FinalSoftCap = 3, SlidingWindow = Window, SlidingLayers = [true, false, true],
        }, s),
        ["phi3-partial-window"] = s => new Phi3Model(LlamaBase with { ModelType = "phi3", PartialRotaryFactor = 0.5, SlidingWindow = Window + 1 }, s),
        ["pythia-parallel"] = s => new GptNeoXModel(new GptNeoXConfig
        {
            VocabSize = 43, ContextLength = 32, DModel = 16, Layers = 2, Heads = 2, Intermediate = 24, RotaryPct = 0.25,
        }, s),
        ["neox-sequential-tied"] = s => new GptNeoXModel(new GptNeoXConfig
        {
            VocabSize = 43, ContextLength = 32, DModel = 16, Layers = 2, Heads = 4, Intermediate = 24, RotaryPct = 0.5,
            ParallelResidual = false, TieWordEmbeddings = true, AttentionBias = false, Activation = "gelu_new",
        }, s),
    };

    /// <summary>The variant with layer MLP widths 11, 6 (and 9), randomised: what pruning leaves.</summary>
    public static CausalLanguageModel Pruned(string name)
    {
        int[] widths = [11, 6, 9];
        var original = Build(name);
        return ModelKit.Randomized(original.WithMlpWidths(widths[..original.Dimensions.Layers]), 9);
    }

    /// <summary>Saves the model in the Hugging Face layout and loads it back through <see cref="TransformerLoader"/>.</summary>
    public static CausalLanguageModel RoundTrip(CausalLanguageModel model, string directory)
    {
        model.Save(directory);
        return TransformerLoader.FromDirectory(directory);
    }
}
