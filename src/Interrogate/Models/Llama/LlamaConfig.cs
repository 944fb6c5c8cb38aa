using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.Models.Transformer;

namespace Interrogate.Models.Llama;

/// <summary>
/// A Llama-style config.json: model_type "llama" (Llama 1–3.x), and the two families that share its
/// tensor names, "mistral" (sliding window) and "qwen2" (q/k/v biases, optional sliding window).
/// Besides the Hugging Face keys, Interrogate reads and writes one optional key:
/// <c>intermediate_size_per_layer</c>, a list of num_hidden_layers MLP widths for pruned models.
/// rope_scaling may be linear, dynamic, yarn or llama3 (<see cref="Transformer.RopeScaling"/>).
/// </summary>
public sealed record LlamaConfig
{
    /// <summary>"llama", "mistral" or "qwen2": which Hugging Face class the saved config names.</summary>
    public string ModelType { get; init; } = "llama";
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
    /// <summary>Biases on q, k and v only (Qwen2).</summary>
    public bool QkvBias { get; init; }
    public RopeScaling? RopeScaling { get; init; }          // rope_scaling
    /// <summary>The fraction of each head's dimensions that rotate (Phi-3's partial_rotary_factor).</summary>
    public double PartialRotaryFactor { get; init; } = 1;
    /// <summary>Rotated dimensions per head: ⌊head_dim·partial_rotary_factor⌋, as Hugging Face rounds it.</summary>
    public int RotaryDims => (int)((HeadDim ?? DModel / Heads) * PartialRotaryFactor);
    /// <summary>sliding_window W (a query sees its last W positions) on the layers <see cref="SlidingLayers"/> marks; null for none.</summary>
    public int? SlidingWindow { get; init; }
    /// <summary>Which layers slide (one flag per layer); null means all of them when <see cref="SlidingWindow"/> is set.</summary>
    public bool[]? SlidingLayers { get; init; }
    public bool MlpBias { get; init; }                      // mlp_bias
    public int? BosId { get; init; } = 1;                   // bos_token_id
    public int? EosId { get; init; } = 2;                   // eos_token_id

    public int[] MlpWidths => IntermediatePerLayer ?? [.. Enumerable.Repeat(Intermediate, Layers)];

    /// <summary>Dynamic rope scaling is meant to run past max_position_embeddings, up to factor times it.</summary>
    public TransformerDimensions Dimensions =>
        new(VocabSize, RopeScaling is { Kind: RopeScalingKind.Dynamic } r ? (int)(ContextLength * r.Factor) : ContextLength,
            DModel, Layers, Heads, KeyValueHeads, HeadDim ?? DModel / Heads, MlpWidths);

    /// <summary>The sliding window of layer <paramref name="layer"/>, or null when it attends to every earlier token.</summary>
    public int? WindowOf(int layer) => SlidingWindow is { } w && (SlidingLayers?[layer] ?? true) ? w : null;

    /// <summary>The attention options of layer <paramref name="layer"/>.</summary>
    public AttentionOptions AttentionOf(int layer, RotaryEmbedding rotary) => new()
    {
        QkvBias = AttentionBias || QkvBias, OutBias = AttentionBias, Rotary = rotary, Window = WindowOf(layer),
    };

    /// <summary>A model_type "llama" config.json (Llama 1, 2, 3.x).</summary>
    public static LlamaConfig FromHf(HfConfig c) => ReadCommon(c) with
    {
        AttentionBias = c.TryGetBool("attention_bias") ?? false,
        MlpBias = c.TryGetBool("mlp_bias") ?? false,
    };

    /// <summary>The keys Llama, Mistral and Qwen2 share; biases and windows are each family's to add.</summary>
    internal static LlamaConfig ReadCommon(HfConfig c)
    {
        int heads = c.GetPositiveInt("num_attention_heads");
        int context = c.TryGetPositiveInt("max_position_embeddings") ?? 2048;
        var config = new LlamaConfig
        {
            ModelType = c.DetectModelType(),
            VocabSize = c.GetPositiveInt("vocab_size"),
            ContextLength = context,
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
            RopeScaling = RopeScaling.FromHf(c, context),
            TieWordEmbeddings = c.TryGetBool("tie_word_embeddings") ?? false,
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
            ["model_type"] = ModelType,
            ["architectures"] = new JsonArray(ModelType switch { "mistral" => "MistralForCausalLM", "qwen2" => "Qwen2ForCausalLM", "phi3" => "Phi3ForCausalLM", _ => "LlamaForCausalLM" }),
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
            ["rope_scaling"] = RopeScaling?.ToHf(),
            ["tie_word_embeddings"] = TieWordEmbeddings,
            // Ids outside the vocabulary (GPT-2's 50256 kept as the default of a smaller model) are not written: loaders refuse them.
            ["bos_token_id"] = BosId < VocabSize ? BosId : null,
            ["eos_token_id"] = EosId < VocabSize ? EosId : null,
            ["torch_dtype"] = "float32",
        };
        switch (ModelType)
        {
            case "mistral":
                json["sliding_window"] = SlidingWindow;
                break;
            case "phi3":
                json["partial_rotary_factor"] = PartialRotaryFactor;
                json["sliding_window"] = SlidingWindow;
                json["attention_bias"] = AttentionBias;
                break;
            case "qwen2":
                // Qwen2 slides on layers ≥ max_window_layers; layer_types says the same to newer readers.
                json["use_sliding_window"] = SlidingWindow is not null;
                json["sliding_window"] = SlidingWindow;
                json["max_window_layers"] = SlidingLayers is { } s ? Array.IndexOf(s, true) is var first && first >= 0 ? first : Layers : 0;
                break;
            default:
                (json["attention_bias"], json["mlp_bias"]) = (AttentionBias, MlpBias);
                break;
        }
        if (SlidingWindow is not null) json["layer_types"] = LayerWindows.ToHf([.. Enumerable.Range(0, Layers).Select(l => WindowOf(l) is not null)]);
        if (IntermediatePerLayer is not null)
            json["intermediate_size_per_layer"] = new JsonArray([.. IntermediatePerLayer.Select(w => JsonValue.Create(w))]);
        return new HfConfig(json);
    }
}
