using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.Models.Transformer;

namespace Interrogate.Models.Gemma;

/// <summary>
/// A Gemma config.json, model_type "gemma" or "gemma2". Both: a GeGLU MLP with tanh-GELU
/// (hidden_activation; Gemma 1's hidden_act "gelu" is ignored as in Hugging Face), RmsNorm scaled by
/// 1 + w, token embeddings multiplied by √hidden_size, tied embeddings. Gemma 2 adds norms after
/// attention and after the MLP, tanh soft-capping of attention scores (attn_logit_softcapping) and
/// of the logits (final_logit_softcapping), a sliding window on alternate layers (even ones, or as
/// layer_types lists), and query scaling by query_pre_attn_scalar^−½. Interrogate's own key
/// <c>intermediate_size_per_layer</c> holds per-layer MLP widths of pruned models.
/// </summary>
public sealed record GemmaConfig
{
    /// <summary>"gemma" or "gemma2".</summary>
    public string ModelType { get; init; } = "gemma";
    public int VocabSize { get; init; } = 256000;           // vocab_size
    public int ContextLength { get; init; } = 8192;         // max_position_embeddings
    public int DModel { get; init; } = 2048;                // hidden_size
    public int Layers { get; init; } = 18;                  // num_hidden_layers
    public int Heads { get; init; } = 8;                    // num_attention_heads
    public int KeyValueHeads { get; init; } = 1;            // num_key_value_heads
    public int HeadDim { get; init; } = 256;                // head_dim
    public int Intermediate { get; init; } = 16384;         // intermediate_size
    public int[]? IntermediatePerLayer { get; init; }       // intermediate_size_per_layer (Interrogate's key)
    public string Activation { get; init; } = "gelu_pytorch_tanh";   // hidden_activation
    public float RmsNormEps { get; init; } = 1e-6f;         // rms_norm_eps
    public double RopeTheta { get; init; } = 10000;         // rope_theta
    public bool AttentionBias { get; init; }                // attention_bias
    public int? BosId { get; init; } = 2;                   // bos_token_id
    public int? EosId { get; init; } = 1;                   // eos_token_id
    /// <summary>Gemma 2: scores are scaled by this^−½ instead of head_dim^−½.</summary>
    public double? QueryPreAttnScalar { get; init; }        // query_pre_attn_scalar
    public double? AttnSoftCap { get; init; }               // attn_logit_softcapping
    public double? FinalSoftCap { get; init; }              // final_logit_softcapping
    public int? SlidingWindow { get; init; }                // sliding_window
    /// <summary>Which layers slide; null means none (Gemma 1).</summary>
    public bool[]? SlidingLayers { get; init; }

    public bool IsGemma2 => ModelType == "gemma2";
    public int[] MlpWidths => IntermediatePerLayer ?? [.. Enumerable.Repeat(Intermediate, Layers)];

    public TransformerDimensions Dimensions => new(VocabSize, ContextLength, DModel, Layers, Heads, KeyValueHeads, HeadDim, MlpWidths);

    public static GemmaConfig FromHf(HfConfig c)
    {
        var type = c.DetectModelType();
        int layers = c.GetPositiveInt("num_hidden_layers");
        int heads = c.GetPositiveInt("num_attention_heads");
        bool gemma2 = type == "gemma2";
        var config = new GemmaConfig
        {
            ModelType = type,
            VocabSize = c.GetPositiveInt("vocab_size"),
            ContextLength = c.TryGetPositiveInt("max_position_embeddings") ?? 8192,
            DModel = c.GetPositiveInt("hidden_size"),
            Layers = layers,
            Heads = heads,
            KeyValueHeads = c.TryGetPositiveInt("num_key_value_heads") ?? heads,
            HeadDim = c.TryGetPositiveInt("head_dim") ?? 256,
            Intermediate = c.GetPositiveInt("intermediate_size"),
            IntermediatePerLayer = c.TryGetIntList("intermediate_size_per_layer"),
            Activation = Nn.Activation.Validate(c.TryGetString("hidden_activation") ?? (gemma2 ? c.TryGetString("hidden_act") : null) ?? "gelu_pytorch_tanh", c.Path),
            RmsNormEps = (float)(c.TryGetDouble("rms_norm_eps") ?? 1e-6),
            RopeTheta = c.TryGetDouble("rope_theta") ?? 10000,
            AttentionBias = c.TryGetBool("attention_bias") ?? false,
            BosId = c.TryGetInt("bos_token_id"),
            EosId = c.TryGetIntList("eos_token_id")?.FirstOrDefault(),
        };
        if (c.TryGetBool("tie_word_embeddings") == false) throw InputException.ForFile(c.Path, "'tie_word_embeddings': false is not supported for Gemma (its head is the embedding)");
        if (RopeScaling.FromHf(c, config.ContextLength) is not null) throw InputException.ForFile(c.Path, "rope_scaling is not supported for Gemma");
        if (heads % config.KeyValueHeads != 0)
            throw InputException.ForFile(c.Path, $"num_key_value_heads {config.KeyValueHeads} does not divide num_attention_heads {heads}");
        if (config.HeadDim % 2 != 0) throw InputException.ForFile(c.Path, "head_dim must be even for rotary embeddings");
        if (config.IntermediatePerLayer is { } widths && (widths.Length != layers || widths.Any(w => w <= 0)))
            throw InputException.ForFile(c.Path, $"intermediate_size_per_layer must list {layers} positive widths (one per layer); got {widths.Length}");
        if (!gemma2) return config;
        var window = c.TryGetPositiveInt("sliding_window");
        return config with
        {
            QueryPreAttnScalar = c.TryGetDouble("query_pre_attn_scalar") ?? 256,
            AttnSoftCap = Positive(c, "attn_logit_softcapping"),
            FinalSoftCap = Positive(c, "final_logit_softcapping"),
            SlidingWindow = window,
            SlidingLayers = window is null ? null : LayerWindows.Read(c, layers, l => l % 2 == 0),
        };
    }

    private static double? Positive(HfConfig c, string key) =>
        c.TryGetDouble(key) is { } v ? (v > 0 ? v : throw InputException.ForFile(c.Path, $"'{key}' must be positive or null")) : null;

    /// <summary>The attention options of layer <paramref name="layer"/>.</summary>
    public AttentionOptions AttentionOf(int layer, RotaryEmbedding rotary) => new()
    {
        QkvBias = AttentionBias,
        OutBias = AttentionBias,
        Rotary = rotary,
        Scale = QueryPreAttnScalar is { } s ? (float)Math.Pow(s, -0.5) : null,
        SoftCap = (float?)AttnSoftCap,
        Window = SlidingWindow is { } w && SlidingLayers is { } sliding && sliding[layer] ? w : null,
    };

    public HfConfig ToHf()
    {
        var json = new JsonObject
        {
            ["model_type"] = ModelType,
            ["architectures"] = new JsonArray(IsGemma2 ? "Gemma2ForCausalLM" : "GemmaForCausalLM"),
            ["vocab_size"] = VocabSize,
            ["max_position_embeddings"] = ContextLength,
            ["hidden_size"] = DModel,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KeyValueHeads,
            ["head_dim"] = HeadDim,
            ["intermediate_size"] = Intermediate,
            ["hidden_act"] = Activation,
            ["hidden_activation"] = Activation,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["rope_scaling"] = null,
            ["attention_bias"] = AttentionBias,
            ["tie_word_embeddings"] = true,
            ["bos_token_id"] = BosId,
            ["eos_token_id"] = EosId,
            ["torch_dtype"] = "float32",
        };
        if (IsGemma2)
        {
            json["query_pre_attn_scalar"] = QueryPreAttnScalar;
            json["attn_logit_softcapping"] = AttnSoftCap;
            json["final_logit_softcapping"] = FinalSoftCap;
            json["sliding_window"] = SlidingWindow;
            if (SlidingLayers is not null) json["layer_types"] = LayerWindows.ToHf(SlidingLayers);
        }
        if (IntermediatePerLayer is not null)
            json["intermediate_size_per_layer"] = new JsonArray([.. IntermediatePerLayer.Select(w => JsonValue.Create(w))]);
        return new HfConfig(json);
    }
}
