using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.Models.Transformer;

namespace Interrogate.Models.GptNeoX;

/// <summary>
/// A GPT-NeoX config.json (model_type "gpt_neox": Pythia, GPT-NeoX-20B). LayerNorm with bias,
/// parallel attention and MLP (<c>use_parallel_residual</c>), rotary positions on the first
/// <c>rotary_pct</c> of each head, q|k|v fused per head. Interrogate's own key
/// <c>intermediate_size_per_layer</c> holds per-layer MLP widths of pruned models.
/// </summary>
public sealed record GptNeoXConfig
{
    public int VocabSize { get; init; } = 50304;            // vocab_size
    public int ContextLength { get; init; } = 2048;         // max_position_embeddings
    public int DModel { get; init; } = 512;                 // hidden_size
    public int Layers { get; init; } = 6;                   // num_hidden_layers
    public int Heads { get; init; } = 8;                    // num_attention_heads
    public int Intermediate { get; init; } = 2048;          // intermediate_size
    public int[]? IntermediatePerLayer { get; init; }       // intermediate_size_per_layer (Interrogate's key)
    public string Activation { get; init; } = "gelu";       // hidden_act
    public double RotaryPct { get; init; } = 0.25;          // rotary_pct
    public double RopeTheta { get; init; } = 10000;         // rotary_emb_base (rope_theta)
    public RopeScaling? RopeScaling { get; init; }          // rope_scaling
    public float LayerNormEps { get; init; } = 1e-5f;       // layer_norm_eps
    public bool ParallelResidual { get; init; } = true;     // use_parallel_residual
    public bool TieWordEmbeddings { get; init; }            // tie_word_embeddings
    public bool AttentionBias { get; init; } = true;        // attention_bias
    public int? BosId { get; init; } = 0;                   // bos_token_id
    public int? EosId { get; init; } = 0;                   // eos_token_id

    public int HeadDim => DModel / Heads;
    /// <summary>⌊head_size·rotary_pct⌋, as Hugging Face rounds it.</summary>
    public int RotaryDims => (int)(HeadDim * RotaryPct);
    public int[] MlpWidths => IntermediatePerLayer ?? [.. Enumerable.Repeat(Intermediate, Layers)];

    public TransformerDimensions Dimensions => new(VocabSize, ContextLength, DModel, Layers, Heads, Heads, HeadDim, MlpWidths);

    public static GptNeoXConfig FromHf(HfConfig c)
    {
        int context = c.TryGetPositiveInt("max_position_embeddings") ?? 2048;
        var config = new GptNeoXConfig
        {
            VocabSize = c.GetPositiveInt("vocab_size"),
            ContextLength = context,
            DModel = c.GetPositiveInt("hidden_size"),
            Layers = c.GetPositiveInt("num_hidden_layers"),
            Heads = c.GetPositiveInt("num_attention_heads"),
            Intermediate = c.GetPositiveInt("intermediate_size"),
            IntermediatePerLayer = c.TryGetIntList("intermediate_size_per_layer"),
            Activation = Nn.Activation.Validate(c.TryGetString("hidden_act") ?? "gelu", c.Path),
            RotaryPct = c.TryGetDouble("rotary_pct", "partial_rotary_factor") ?? 0.25,
            RopeTheta = c.TryGetDouble("rotary_emb_base", "rope_theta") ?? 10000,
            RopeScaling = RopeScaling.FromHf(c, context),
            LayerNormEps = (float)(c.TryGetDouble("layer_norm_eps") ?? 1e-5),
            ParallelResidual = c.TryGetBool("use_parallel_residual") ?? true,
            TieWordEmbeddings = c.TryGetBool("tie_word_embeddings") ?? false,
            AttentionBias = c.TryGetBool("attention_bias") ?? true,
            BosId = c.TryGetInt("bos_token_id"),
            EosId = c.TryGetIntList("eos_token_id")?.FirstOrDefault(),
        };
        if (config.DModel % config.Heads != 0)
            throw InputException.ForFile(c.Path, $"hidden_size {config.DModel} is not divisible by num_attention_heads {config.Heads}");
        if (config.RotaryPct is <= 0 or > 1 || config.RotaryDims % 2 != 0 || config.RotaryDims == 0)
            throw InputException.ForFile(c.Path, $"rotary_pct {config.RotaryPct} must give an even, positive number of rotated dimensions of the {config.HeadDim}");
        if (config.IntermediatePerLayer is { } widths && (widths.Length != config.Layers || widths.Any(w => w <= 0)))
            throw InputException.ForFile(c.Path, $"intermediate_size_per_layer must list {config.Layers} positive widths (one per layer); got {widths.Length}");
        return config;
    }

    public HfConfig ToHf()
    {
        var json = new JsonObject
        {
            ["model_type"] = "gpt_neox",
            ["architectures"] = new JsonArray("GPTNeoXForCausalLM"),
            ["vocab_size"] = VocabSize,
            ["max_position_embeddings"] = ContextLength,
            ["hidden_size"] = DModel,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["intermediate_size"] = Intermediate,
            ["hidden_act"] = Activation,
            ["rotary_pct"] = RotaryPct,
            ["rotary_emb_base"] = RopeTheta,
            ["rope_scaling"] = RopeScaling?.ToHf(),
            ["layer_norm_eps"] = LayerNormEps,
            ["use_parallel_residual"] = ParallelResidual,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["attention_bias"] = AttentionBias,
            ["bos_token_id"] = BosId,
            ["eos_token_id"] = EosId,
            ["torch_dtype"] = "float32",
        };
        if (IntermediatePerLayer is not null)
            json["intermediate_size_per_layer"] = new JsonArray([.. IntermediatePerLayer.Select(w => JsonValue.Create(w))]);
        return new HfConfig(json);
    }
}
