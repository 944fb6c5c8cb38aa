using Interrogate.Models.Transformer;
using Interrogate.Nn;

namespace Interrogate.Models.Llama;

/// <summary>
/// The Hugging Face names of a Llama-layout layer's attention and gated MLP (Llama, Mistral, Qwen2 and
/// Gemma share them): separate q_proj, k_proj and v_proj are rows of the model's fused q|k|v projection;
/// biases are mapped where the model has them (Qwen2's q/k/v, an MLP with <c>mlp_bias</c>).
/// </summary>
public static class LlamaLayerWeights
{
    /// <summary>Maps <c>{prefix}self_attn.{q,k,v,o}_proj.*</c> onto <paramref name="block"/>'s attention.</summary>
    public static void Attention(WeightMap map, string prefix, TransformerBlock block, TransformerDimensions dims)
    {
        int q = dims.Heads * dims.HeadDim, kv = dims.KeyValueHeads * dims.HeadDim;
        var (qkv, o) = (block.Attn.Qkv, block.Attn.Out);
        map.Rows(prefix + "self_attn.q_proj.weight", qkv.Weight, 0, q);
        map.Rows(prefix + "self_attn.k_proj.weight", qkv.Weight, q, kv);
        map.Rows(prefix + "self_attn.v_proj.weight", qkv.Weight, q + kv, kv);
        map.Direct(prefix + "self_attn.o_proj.weight", o.Weight);
        if (qkv.Bias is not null)
        {
            map.Rows(prefix + "self_attn.q_proj.bias", qkv.Bias, 0, q);
            map.Rows(prefix + "self_attn.k_proj.bias", qkv.Bias, q, kv);
            map.Rows(prefix + "self_attn.v_proj.bias", qkv.Bias, q + kv, kv);
        }
        if (o.Bias is not null) map.Direct(prefix + "self_attn.o_proj.bias", o.Bias);
    }

    /// <summary>Maps <c>{prefix}mlp.{gate,up,down}_proj.*</c> onto a gated MLP.</summary>
    public static void Mlp(WeightMap map, string prefix, GatedMlp mlp)
    {
        foreach (var (name, linear) in new[] { ("gate_proj", mlp.Gate), ("up_proj", mlp.Up), ("down_proj", mlp.Down) })
        {
            map.Direct($"{prefix}mlp.{name}.weight", linear.Weight);
            if (linear.Bias is not null) map.Direct($"{prefix}mlp.{name}.bias", linear.Bias);
        }
    }
}
