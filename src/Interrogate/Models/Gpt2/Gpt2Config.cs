using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.Models.Transformer;
using Interrogate.Nn;

namespace Interrogate.Models.Gpt2;

/// <summary>
/// A GPT-2 config.json (model_type "gpt2"). Besides the Hugging Face keys, Interrogate reads and
/// writes one optional key: <c>n_inner_per_layer</c>, a list of n_layer MLP widths for models whose
/// layers were pruned to different widths. Plain configs (without it) load unchanged; transformers
/// ignores the key, so such a folder only loads there when every width is equal.
/// </summary>
public sealed record Gpt2Config
{
    public int VocabSize { get; init; } = 50257;        // vocab_size
    public int ContextLength { get; init; } = 1024;     // n_positions
    public int DModel { get; init; } = 768;             // n_embd
    public int Layers { get; init; } = 12;              // n_layer
    public int Heads { get; init; } = 12;               // n_head
    /// <summary>n_inner; null means 4·n_embd.</summary>
    public int? Inner { get; init; }
    /// <summary>n_inner_per_layer (Interrogate's key); overrides <see cref="Inner"/> when set.</summary>
    public int[]? InnerPerLayer { get; init; }
    public string Activation { get; init; } = "gelu_new";   // activation_function
    public float LayerNormEps { get; init; } = 1e-5f;       // layer_norm_epsilon
    public bool TieWordEmbeddings { get; init; } = true;    // tie_word_embeddings
    public int? BosId { get; init; } = 50256;               // bos_token_id
    public int? EosId { get; init; } = 50256;               // eos_token_id

    public int[] MlpWidths => InnerPerLayer ?? [.. Enumerable.Repeat(Inner ?? 4 * DModel, Layers)];

    public TransformerDimensions Dimensions => new(VocabSize, ContextLength, DModel, Layers, Heads, Heads, DModel / Heads, MlpWidths);

    /// <summary>Reads the keys above; bad or contradictory values are InputExceptions naming the file and key.</summary>
    public static Gpt2Config FromHf(HfConfig c)
    {
        var config = new Gpt2Config
        {
            VocabSize = c.TryGetPositiveInt("vocab_size") ?? 50257,
            ContextLength = c.TryGetPositiveInt("n_positions", "n_ctx") ?? 1024,
            DModel = c.TryGetPositiveInt("n_embd") ?? 768,
            Layers = c.TryGetPositiveInt("n_layer") ?? 12,
            Heads = c.TryGetPositiveInt("n_head") ?? 12,
            Inner = c.TryGetPositiveInt("n_inner"),
            InnerPerLayer = c.TryGetIntList("n_inner_per_layer"),
            Activation = Nn.Activation.Validate(c.TryGetString("activation_function") ?? "gelu_new", c.Path),
            LayerNormEps = (float)(c.TryGetDouble("layer_norm_epsilon") ?? 1e-5),
            TieWordEmbeddings = c.TryGetBool("tie_word_embeddings") ?? true,
            BosId = c.TryGetInt("bos_token_id"),
            EosId = c.TryGetInt("eos_token_id"),
        };
        if (config.DModel % config.Heads != 0)
            throw InputException.ForFile(c.Path, $"n_embd {config.DModel} is not divisible by n_head {config.Heads}");
        if (config.InnerPerLayer is { } widths && (widths.Length != config.Layers || widths.Any(w => w <= 0)))
            throw InputException.ForFile(c.Path, $"n_inner_per_layer must list {config.Layers} positive widths (one per layer); got {widths.Length}");
        foreach (var key in new[] { "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn" })
            if (c.TryGetBool(key) == true) throw InputException.ForFile(c.Path, $"'{key}': true is not supported");
        if (c.TryGetBool("scale_attn_weights") == false) throw InputException.ForFile(c.Path, "'scale_attn_weights': false is not supported");
        return config;
    }

    public HfConfig ToHf()
    {
        var json = new JsonObject
        {
            ["model_type"] = "gpt2",
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["vocab_size"] = VocabSize,
            ["n_positions"] = ContextLength,
            ["n_ctx"] = ContextLength,
            ["n_embd"] = DModel,
            ["n_layer"] = Layers,
            ["n_head"] = Heads,
            ["n_inner"] = Inner,
            ["activation_function"] = Activation,
            ["layer_norm_epsilon"] = LayerNormEps,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            // Ids outside the vocabulary (GPT-2's 50256 kept as the default of a smaller model) are not written: loaders refuse them.
            ["bos_token_id"] = BosId < VocabSize ? BosId : null,
            ["eos_token_id"] = EosId < VocabSize ? EosId : null,
            ["torch_dtype"] = "float32",
        };
        if (InnerPerLayer is not null) json["n_inner_per_layer"] = new JsonArray([.. InnerPerLayer.Select(w => JsonValue.Create(w))]);
        return new HfConfig(json);
    }
}
