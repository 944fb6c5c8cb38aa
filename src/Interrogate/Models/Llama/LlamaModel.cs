using System.Globalization;
using Interrogate.Formats;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.Llama;

/// <summary>
/// Llama: rotary positions (rotate_half layout, optionally rescaled), RmsNorm, grouped-query
/// attention, a gated MLP. The same model serves Mistral (sliding window) and Qwen2 (q/k/v biases),
/// which share its tensor names. The file's separate q_proj, k_proj and v_proj are rows of the
/// model's fused q|k|v projection.
/// </summary>
public sealed class LlamaModel : CausalLanguageModel
{
    /// <summary>A model with random weights (N(0, 0.02), norms at 1).</summary>
    public LlamaModel(LlamaConfig config, ulong seed = 0) : base(config.Dimensions, Build(config, new TensorRandom(seed)))
    {
        Config = config;
    }

    public LlamaConfig Config { get; }
    public override int? EosId => Config.EosId;
    public override string ModelType => Config.ModelType;

    public override CausalLanguageModel WithMlpWidths(int[] widths)
    {
        var (width, perLayer) = ConfigWidths(widths, Config.Intermediate);
        return new LlamaModel(Config with { Intermediate = width, IntermediatePerLayer = perLayer });
    }

    /// <summary>The blocks of a Llama-style model (shared with Phi-3, which differs only in its file layout).</summary>
    internal static TransformerParts Build(LlamaConfig c, TensorRandom rng)
    {
        var dims = c.Dimensions;
        var rotary = new RotaryEmbedding(dims.HeadDim, c.RopeTheta, c.RotaryDims, c.RopeScaling);
        var blocks = new TransformerBlock[c.Layers];
        for (int l = 0; l < c.Layers; l++)
            blocks[l] = new TransformerBlock(
                new RmsNorm(c.DModel, c.RmsNormEps),
                new Attention(l, dims, c.AttentionOf(l, rotary), rng),
                new RmsNorm(c.DModel, c.RmsNormEps),
                new GatedMlp(c.DModel, dims.MlpWidths[l], c.Activation, c.MlpBias, rng));
        var unembed = c.TieWordEmbeddings ? null : new Linear(c.DModel, c.VocabSize, bias: false, rng, Initialization.Normal002);
        return new TransformerParts(new Embedding(c.VocabSize, c.DModel, rng), null, blocks, new RmsNorm(c.DModel, c.RmsNormEps), unembed);
    }

    /// <summary>Where each Hugging Face tensor lives in this model.</summary>
    public WeightMap Weights()
    {
        var map = new WeightMap();
        map.Direct("model.embed_tokens.weight", Embed.Weight);
        for (int l = 0; l < Blocks.Count; l++)
        {
            var block = Blocks[l];
            var p = $"model.layers.{l.ToString(CultureInfo.InvariantCulture)}.";
            map.Direct(p + "input_layernorm.weight", ((RmsNorm)block.Ln1).Weight);
            LlamaLayerWeights.Attention(map, p, block, Dimensions);
            map.Direct(p + "post_attention_layernorm.weight", ((RmsNorm)block.Ln2).Weight);
            LlamaLayerWeights.Mlp(map, p, (GatedMlp)block.Mlp);
        }
        map.Direct("model.norm.weight", ((RmsNorm)LnFinal).Weight);
        if (Unembed is not null) map.Direct("lm_head.weight", Unembed.Weight);
        return map;
    }

    /// <summary>Loads a model_type "llama" folder.</summary>
    public static LlamaModel Load(ModelDirectory directory, HfConfig hf) => Load(directory, hf, LlamaConfig.FromHf(hf));

    /// <summary>Loads a Llama-style folder whose config.json <paramref name="config"/> was read from (Llama, Mistral, Qwen2).</summary>
    public static LlamaModel Load(ModelDirectory directory, HfConfig hf, LlamaConfig config)
    {
        using var source = directory.OpenWeights();
        var model = new LlamaModel(config);
        model.Weights().Load(source, directory.WeightsPath, hf.Path, name =>
            name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || (config.TieWordEmbeddings && name == "lm_head.weight"));
        return model;
    }

    public override void Save(string directory) => SaveFiles(directory, Weights(), Config.ToHf());
}
