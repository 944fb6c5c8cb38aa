using System.Globalization;
using Interrogate.Formats;
using Interrogate.Models.Llama;
using Interrogate.Models.Transformer;
using Interrogate.Nn;

namespace Interrogate.Models.Phi3;

/// <summary>
/// Phi-3: a Llama-style model whose file fuses q|k|v into one <c>qkv_proj</c> (the model's own
/// layout, so it loads as is) and gate|up into one <c>gate_up_proj</c> (rows split into the gated
/// MLP's separate gate and up, so neurons prune and trace as in Llama).
/// </summary>
public sealed class Phi3Model : CausalLanguageModel
{
    /// <summary>A model with random weights (N(0, 0.02), norms at 1).</summary>
    public Phi3Model(LlamaConfig config, ulong seed = 0) : base(config.Dimensions, LlamaModel.Build(config, new Tensors.TensorRandom(seed)))
    {
        Config = config with { ModelType = "phi3" };
    }

    public LlamaConfig Config { get; }
    public override int? EosId => Config.EosId;
    public override string ModelType => "phi3";

    public override CausalLanguageModel WithMlpWidths(int[] widths)
    {
        var (width, perLayer) = ConfigWidths(widths, Config.Intermediate);
        return new Phi3Model(Config with { Intermediate = width, IntermediatePerLayer = perLayer });
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
            var mlp = (GatedMlp)block.Mlp;
            map.Direct(p + "input_layernorm.weight", ((RmsNorm)block.Ln1).Weight);
            map.Direct(p + "self_attn.qkv_proj.weight", block.Attn.Qkv.Weight);
            if (block.Attn.Qkv.Bias is { } qkvBias) map.Direct(p + "self_attn.qkv_proj.bias", qkvBias);
            map.Direct(p + "self_attn.o_proj.weight", block.Attn.Out.Weight);
            if (block.Attn.Out.Bias is { } outBias) map.Direct(p + "self_attn.o_proj.bias", outBias);
            map.Direct(p + "post_attention_layernorm.weight", ((RmsNorm)block.Ln2).Weight);
            map.Stacked(p + "mlp.gate_up_proj.weight", mlp.Gate.Weight, mlp.Up.Weight);
            map.Direct(p + "mlp.down_proj.weight", mlp.Down.Weight);
        }
        map.Direct("model.norm.weight", ((RmsNorm)LnFinal).Weight);
        if (Unembed is not null) map.Direct("lm_head.weight", Unembed.Weight);
        return map;
    }

    public static Phi3Model Load(ModelDirectory directory, HfConfig hf)
    {
        var config = Phi3Config.FromHf(hf);
        using var source = directory.OpenWeights();
        var model = new Phi3Model(config);
        model.Weights().Load(source, directory.WeightsPath, hf.Path, name =>
            name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || (config.TieWordEmbeddings && name == "lm_head.weight"));
        return model;
    }

    public override void Save(string directory) => SaveFiles(directory, Weights(), Config.ToHf());
}
