using System.Globalization;
using Interrogate.Formats;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.GptNeoX;

/// <summary>
/// GPT-NeoX / Pythia: LayerNorm, attention and MLP side by side on the block's input (parallel
/// residual, unless the config turns it off), partial rotary positions, a dense MLP with biases.
/// The file's query_key_value holds q, k and v per head ([H, 3, Dh] rows); the model keeps its usual
/// q | k | v row order, so the map gathers rows.
/// </summary>
public sealed class GptNeoXModel : CausalLanguageModel
{
    /// <summary>A model with random weights (N(0, 0.02), norms at 1 and 0).</summary>
    public GptNeoXModel(GptNeoXConfig config, ulong seed = 0) : base(config.Dimensions, Build(config, new TensorRandom(seed)))
    {
        Config = config;
    }

    public GptNeoXConfig Config { get; }
    public override int? EosId => Config.EosId;
    public override string ModelType => "gpt_neox";

    public override CausalLanguageModel WithMlpWidths(int[] widths)
    {
        var (width, perLayer) = ConfigWidths(widths, Config.Intermediate);
        return new GptNeoXModel(Config with { Intermediate = width, IntermediatePerLayer = perLayer });
    }

    private static TransformerParts Build(GptNeoXConfig c, TensorRandom rng)
    {
        var dims = c.Dimensions;
        var rotary = new RotaryEmbedding(c.HeadDim, c.RopeTheta, c.RotaryDims, c.RopeScaling);
        var options = new AttentionOptions { QkvBias = c.AttentionBias, OutBias = c.AttentionBias, Rotary = rotary };
        var blocks = new TransformerBlock[c.Layers];
        for (int l = 0; l < c.Layers; l++)
            blocks[l] = new TransformerBlock(
                new LayerNorm(c.DModel, c.LayerNormEps),
                new Attention(l, dims, options, rng),
                new LayerNorm(c.DModel, c.LayerNormEps),
                new DenseMlp(c.DModel, dims.MlpWidths[l], c.Activation, rng),
                parallelResidual: c.ParallelResidual);
        var unembed = c.TieWordEmbeddings ? null : new Linear(c.DModel, c.VocabSize, bias: false, rng, Initialization.Normal002);
        return new TransformerParts(new Embedding(c.VocabSize, c.DModel, rng), null, blocks, new LayerNorm(c.DModel, c.LayerNormEps), unembed);
    }

    /// <summary>Row r of the file's query_key_value: head r / 3Dh, part (q, k, v) and index within the head → row of q|k|v.</summary>
    private int[] PerHeadRows()
    {
        int h = Dimensions.Heads, dh = Dimensions.HeadDim;
        var rows = new int[3 * h * dh];
        for (int r = 0; r < rows.Length; r++)
        {
            int head = r / (3 * dh), part = r % (3 * dh) / dh, j = r % dh;
            rows[r] = part * h * dh + head * dh + j;
        }
        return rows;
    }

    /// <summary>Where each Hugging Face tensor lives in this model.</summary>
    public WeightMap Weights()
    {
        var map = new WeightMap();
        var rows = PerHeadRows();
        map.Direct("gpt_neox.embed_in.weight", Embed.Weight);
        for (int l = 0; l < Blocks.Count; l++)
        {
            var block = Blocks[l];
            var p = $"gpt_neox.layers.{l.ToString(CultureInfo.InvariantCulture)}.";
            var (ln1, ln2, mlp) = ((LayerNorm)block.Ln1, (LayerNorm)block.Ln2, (DenseMlp)block.Mlp);
            map.Direct(p + "input_layernorm.weight", ln1.Weight);
            map.Direct(p + "input_layernorm.bias", ln1.Bias);
            map.Direct(p + "post_attention_layernorm.weight", ln2.Weight);
            map.Direct(p + "post_attention_layernorm.bias", ln2.Bias);
            map.Gathered(p + "attention.query_key_value.weight", block.Attn.Qkv.Weight, rows);
            if (block.Attn.Qkv.Bias is { } qkvBias) map.Gathered(p + "attention.query_key_value.bias", qkvBias, rows);
            map.Direct(p + "attention.dense.weight", block.Attn.Out.Weight);
            if (block.Attn.Out.Bias is { } outBias) map.Direct(p + "attention.dense.bias", outBias);
            map.Direct(p + "mlp.dense_h_to_4h.weight", mlp.In.Weight);
            map.Direct(p + "mlp.dense_h_to_4h.bias", mlp.In.Bias!);
            map.Direct(p + "mlp.dense_4h_to_h.weight", mlp.Out.Weight);
            map.Direct(p + "mlp.dense_4h_to_h.bias", mlp.Out.Bias!);
        }
        var lnf = (LayerNorm)LnFinal;
        map.Direct("gpt_neox.final_layer_norm.weight", lnf.Weight);
        map.Direct("gpt_neox.final_layer_norm.bias", lnf.Bias);
        if (Unembed is not null) map.Direct("embed_out.weight", Unembed.Weight);
        return map;
    }

    /// <summary>Loads a Hugging Face GPT-NeoX folder; the causal-mask and rotary buffers of older files are ignored.</summary>
    public static GptNeoXModel Load(ModelDirectory directory, HfConfig hf)
    {
        var config = GptNeoXConfig.FromHf(hf);
        using var source = directory.OpenWeights();
        var model = new GptNeoXModel(config);
        model.Weights().Load(source, directory.WeightsPath, hf.Path, name =>
            name.EndsWith(".attention.bias", StringComparison.Ordinal) || name.EndsWith(".attention.masked_bias", StringComparison.Ordinal)
            || name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || (config.TieWordEmbeddings && name == "embed_out.weight"));
        return model;
    }

    public override void Save(string directory) => SaveFiles(directory, Weights(), Config.ToHf());
}
