using System.Globalization;
using Interrogate.Formats;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models.Gpt2;

/// <summary>
/// GPT-2: learned positions, LayerNorm, one fused q|k|v projection with bias, a dense MLP.
/// Loads and saves the Hugging Face layout (Conv1D weights stored [in, out]), with or without the
/// "transformer." prefix; the attn.bias / attn.masked_bias buffers of old files are ignored.
/// </summary>
public sealed class Gpt2Model : CausalLanguageModel
{
    /// <summary>A model with random weights (N(0, 0.02), norms at 1 and 0).</summary>
    public Gpt2Model(Gpt2Config config, ulong seed = 0) : base(config.Dimensions, Build(config, new TensorRandom(seed)))
    {
        Config = config;
    }

    public Gpt2Config Config { get; }
    public override int? EosId => Config.EosId;
    public override string ModelType => "gpt2";

    public override CausalLanguageModel WithMlpWidths(int[] widths)
    {
        var (width, perLayer) = ConfigWidths(widths, Config.Inner);
        return new Gpt2Model(Config with { Inner = width, InnerPerLayer = perLayer });
    }

    private static TransformerParts Build(Gpt2Config c, TensorRandom rng)
    {
        var dims = c.Dimensions;
        var blocks = new TransformerBlock[c.Layers];
        for (int l = 0; l < c.Layers; l++)
            blocks[l] = new TransformerBlock(
                new LayerNorm(c.DModel, c.LayerNormEps),
                new Attention(l, dims, qkvBias: true, outBias: true, rotary: null, rng),
                new LayerNorm(c.DModel, c.LayerNormEps),
                new DenseMlp(c.DModel, dims.MlpWidths[l], c.Activation, rng));
        var unembed = c.TieWordEmbeddings ? null : new Linear(c.DModel, c.VocabSize, bias: false, rng, Initialization.Normal002);
        return new TransformerParts(new Embedding(c.VocabSize, c.DModel, rng), new Embedding(c.ContextLength, c.DModel, rng, 0.01f),
            blocks, new LayerNorm(c.DModel, c.LayerNormEps), unembed);
    }

    /// <summary>Where each Hugging Face tensor lives in this model; <paramref name="prefix"/> is "transformer." or "".</summary>
    public WeightMap Weights(string prefix = "transformer.")
    {
        var map = new WeightMap();
        map.Direct(prefix + "wte.weight", Embed.Weight);
        map.Direct(prefix + "wpe.weight", PosEmbed!.Weight);
        for (int l = 0; l < Blocks.Count; l++)
        {
            var block = Blocks[l];
            var h = $"{prefix}h.{l.ToString(CultureInfo.InvariantCulture)}.";
            var (ln1, ln2) = ((LayerNorm)block.Ln1, (LayerNorm)block.Ln2);
            var mlp = (DenseMlp)block.Mlp;
            map.Direct(h + "ln_1.weight", ln1.Weight);
            map.Direct(h + "ln_1.bias", ln1.Bias);
            map.Transposed(h + "attn.c_attn.weight", block.Attn.Qkv.Weight);
            map.Direct(h + "attn.c_attn.bias", block.Attn.Qkv.Bias!);
            map.Transposed(h + "attn.c_proj.weight", block.Attn.Out.Weight);
            map.Direct(h + "attn.c_proj.bias", block.Attn.Out.Bias!);
            map.Direct(h + "ln_2.weight", ln2.Weight);
            map.Direct(h + "ln_2.bias", ln2.Bias);
            map.Transposed(h + "mlp.c_fc.weight", mlp.In.Weight);
            map.Direct(h + "mlp.c_fc.bias", mlp.In.Bias!);
            map.Transposed(h + "mlp.c_proj.weight", mlp.Out.Weight);
            map.Direct(h + "mlp.c_proj.bias", mlp.Out.Bias!);
        }
        var lnf = (LayerNorm)LnFinal;
        map.Direct(prefix + "ln_f.weight", lnf.Weight);
        map.Direct(prefix + "ln_f.bias", lnf.Bias);
        if (Unembed is not null) map.Direct("lm_head.weight", Unembed.Weight);
        return map;
    }

    /// <summary>Loads a Hugging Face GPT-2 folder; a missing lm_head.weight means it is tied to wte.</summary>
    public static Gpt2Model Load(ModelDirectory directory, HfConfig hf)
    {
        var config = Gpt2Config.FromHf(hf);
        using var source = directory.OpenWeights();
        string prefix = source.Contains("transformer.wte.weight") ? "transformer." : "";
        bool hasHead = source.Contains("lm_head.weight");
        config = config with { TieWordEmbeddings = config.TieWordEmbeddings || !hasHead };
        var model = new Gpt2Model(config);
        model.Weights(prefix).Load(source, directory.WeightsPath, hf.Path, name =>
            name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal)
            || (config.TieWordEmbeddings && name == "lm_head.weight"));
        return model;
    }

    public override void Save(string directory) => SaveFiles(directory, Weights(), Config.ToHf());
}
