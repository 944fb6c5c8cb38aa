using System.Globalization;
using Interrogate.Formats;
using Interrogate.Models.Llama;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.Gemma;

/// <summary>
/// Gemma and Gemma 2: Llama's layout with RmsNorm(1 + w), √D-scaled embeddings tied to the head and a
/// tanh-GELU gated MLP; Gemma 2 adds post-attention and post-MLP norms (<c>ln1_post</c>,
/// <c>ln2_post</c>), soft-capped scores and logits, alternating sliding windows and its own query scale.
/// </summary>
public sealed class GemmaModel : CausalLanguageModel
{
    /// <summary>A model with random weights (N(0, 0.02), norm weights 0, i.e. scale 1).</summary>
    public GemmaModel(GemmaConfig config, ulong seed = 0) : base(config.Dimensions, Build(config, new TensorRandom(seed)))
    {
        Config = config;
    }

    public GemmaConfig Config { get; }
    public override int? EosId => Config.EosId;
    public override string ModelType => Config.ModelType;

    public override CausalLanguageModel WithMlpWidths(int[] widths)
    {
        var (width, perLayer) = ConfigWidths(widths, Config.Intermediate);
        return new GemmaModel(Config with { Intermediate = width, IntermediatePerLayer = perLayer });
    }

    private static TransformerParts Build(GemmaConfig c, TensorRandom rng)
    {
        var dims = c.Dimensions;
        var rotary = new RotaryEmbedding(c.HeadDim, c.RopeTheta);
        RmsNorm Norm() => new(c.DModel, c.RmsNormEps, offset: 1f);
        var blocks = new TransformerBlock[c.Layers];
        for (int l = 0; l < c.Layers; l++)
            blocks[l] = new TransformerBlock(Norm(), new Attention(l, dims, c.AttentionOf(l, rotary), rng), Norm(),
                new GatedMlp(c.DModel, dims.MlpWidths[l], c.Activation, bias: false, rng),
                ln1Post: c.IsGemma2 ? Norm() : null, ln2Post: c.IsGemma2 ? Norm() : null);
        return new TransformerParts(new Embedding(c.VocabSize, c.DModel, rng), null, blocks, Norm(), Unembed: null,
            EmbeddingScale: (float)Math.Sqrt(c.DModel), FinalSoftCap: (float?)c.FinalSoftCap);
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
            if (block.Ln1Post is RmsNorm post1 && block.Ln2Post is RmsNorm post2)
            {
                // Gemma 2 names the norm after attention post_attention_layernorm, the one before the MLP pre_feedforward_layernorm.
                map.Direct(p + "post_attention_layernorm.weight", post1.Weight);
                map.Direct(p + "pre_feedforward_layernorm.weight", ((RmsNorm)block.Ln2).Weight);
                map.Direct(p + "post_feedforward_layernorm.weight", post2.Weight);
            }
            else
            {
                map.Direct(p + "post_attention_layernorm.weight", ((RmsNorm)block.Ln2).Weight);
            }
            LlamaLayerWeights.Mlp(map, p, (GatedMlp)block.Mlp);
        }
        map.Direct("model.norm.weight", ((RmsNorm)LnFinal).Weight);
        return map;
    }

    public static GemmaModel Load(ModelDirectory directory, HfConfig hf)
    {
        var config = GemmaConfig.FromHf(hf);
        using var source = directory.OpenWeights();
        var model = new GemmaModel(config);
        model.Weights().Load(source, directory.WeightsPath, hf.Path, name =>
            name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || name == "lm_head.weight");
        return model;
    }

    public override void Save(string directory) => SaveFiles(directory, Weights(), Config.ToHf());
}
