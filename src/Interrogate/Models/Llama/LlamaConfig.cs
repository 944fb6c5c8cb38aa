using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.Models.Transformer;

namespace Interrogate.Models.Llama;

/// <summary>
/// A Llama config.json (model_type "llama"). Besides the Hugging Face keys, Interrogate reads and
/// writes one optional key: <c>intermediate_size_per_layer</c>, a list of num_hidden_layers MLP
/// widths for pruned models. rope_scaling must be null (scaled RoPE is not supported).
/// </summary>
public sealed record LlamaConfig
{
    public int VocabSize { get; init; } = 32000;            // vocab_size
    public int ContextLength { get; init; } = 2048;         // max_position_embeddings
    public int DModel { get; init; } = 4096;                // hidden_size
    public int Layers { get; init; } = 32;                  // num_hidden_layers
    public int Heads { get; init; } = 32;                   // num_attention_heads
    public int KeyValueHeads { get; init; } = 32;           // num_key_value_heads
    /// <summary>head_dim; null means hidden_size / num_attention_heads.</summary>
    public int? HeadDim { get; init; }
    public int Intermediate { get; init; } = 11008;         // intermediate_size
    /// <summary>intermediate_size_per_layer (Interrogate's key); overrides <see cref="Intermediate"/> when set.</summary>
    public int[]? IntermediatePerLayer { get; init; }
    public string Activation { get; init; } = "silu";       // hidden_act
    public float RmsNormEps { get; init; } = 1e-6f;         // rms_norm_eps
    public double RopeTheta { get; init; } = 10000;         // rope_theta
    public bool TieWordEmbeddings { get; init; }            // tie_word_embeddings
    public bool AttentionBias { get; init; }                // attention_bias (q, k, v and o)
    public bool MlpBias { get; init; }                      // mlp_bias
    public int? BosId { get; init; } = 1;                   // bos_token_id
    public int? EosId { get; init; } = 2;                   // eos_token_id

    public int[] MlpWidths => IntermediatePerLayer ?? [.. Enumerable.Repeat(Intermediate, Layers)];

    public TransformerDimensions Dimensions =>
        new(VocabSize, ContextLength, DModel, Layers, Heads, KeyValueHeads, HeadDim ?? DModel / Heads, MlpWidths);

    public static LlamaConfig FromHf(HfConfig c)
    {
        if (c.Has("rope_scaling"))
            throw InputException.ForFile(c.Path, "'rope_scaling' is set; scaled rotary embeddings are not supported (only rope_scaling: null)");
        int heads = c.GetPositiveInt("num_attention_heads");
        var config = new LlamaConfig
        {
            VocabSize = c.GetPositiveInt("vocab_size"),
            ContextLength = c.TryGetPositiveInt("max_position_embeddings") ?? 2048,
            DModel = c.GetPositiveInt("hidden_size"),
            Layers = c.GetPositiveInt("num_hidden_layers"),
            Heads = heads,
            KeyValueHeads = c.TryGetPositiveInt("num_key_value_heads") ?? heads,
            HeadDim = c.TryGetPositiveInt("head_dim"),
            Intermediate = c.GetPositiveInt("intermediate_size"),
            IntermediatePerLayer = c.TryGetIntList("intermediate_size_per_layer"),
            Activation = Nn.Activation.Validate(c.TryGetString("hidden_act") ?? "silu", c.Path),
            RmsNormEps = (float)(c.TryGetDouble("rms_norm_eps") ?? 1e-6),
            RopeTheta = c.TryGetDouble("rope_theta") ?? 10000,
            TieWordEmbeddings = c.TryGetBool("tie_word_embeddings") ?? false,
            AttentionBias = c.TryGetBool("attention_bias") ?? false,
            MlpBias = c.TryGetBool("mlp_bias") ?? false,
            BosId = c.TryGetInt("bos_token_id"),
            EosId = c.TryGetIntList("eos_token_id")?.FirstOrDefault(),
        };
        if (config.HeadDim is null && config.DModel % heads != 0)
            throw InputException.ForFile(c.Path, $"hidden_size {config.DModel} is not divisible by num_attention_heads {heads}; set head_dim");
        if (heads % config.KeyValueHeads != 0)
            throw InputException.ForFile(c.Path, $"num_key_value_heads {config.KeyValueHeads} does not divide num_attention_heads {heads}");
        if ((config.HeadDim ?? config.DModel / heads) % 2 != 0)
            throw InputException.ForFile(c.Path, "the head size must be even for rotary embeddings");
        if (config.IntermediatePerLayer is { } widths && (widths.Length != config.Layers || widths.Any(w => w <= 0)))
            throw InputException.ForFile(c.Path, $"intermediate_size_per_layer must list {config.Layers} positive widths (one per layer); got {widths.Length}");
        return config;
    }

    public HfConfig ToHf()
    {
        var json = new JsonObject
        {
            ["model_type"] = "llama",
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["vocab_size"] = VocabSize,
            ["max_position_embeddings"] = ContextLength,
            ["hidden_size"] = DModel,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KeyValueHeads,
            ["head_dim"] = HeadDim ?? DModel / Heads,
            ["intermediate_size"] = Intermediate,
            ["hidden_act"] = Activation,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["rope_scaling"] = null,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["attention_bias"] = AttentionBias,
            ["mlp_bias"] = MlpBias,
            // Ids outside the vocabulary (GPT-2's 50256 kept as the default of a smaller model) are not written: loaders refuse them.
            ["bos_token_id"] = BosId < VocabSize ? BosId : null,
            ["eos_token_id"] = EosId < VocabSize ? EosId : null,
            ["torch_dtype"] = "float32",
        };
        if (IntermediatePerLayer is not null)
            json["intermediate_size_per_layer"] = new JsonArray([.. IntermediatePerLayer.Select(w => JsonValue.Create(w))]);
        return new HfConfig(json);
    }
}
