using Interrogate.Formats;
using Interrogate.Models.Llama;
using Interrogate.Models.Transformer;

namespace Interrogate.Models.Phi3;

/// <summary>
/// A Phi-3 config.json (model_type "phi3"): Llama's computation with <c>partial_rotary_factor</c>
/// (rotating only the first part of each head) and <c>sliding_window</c> on every layer (unless
/// layer_types says otherwise); held as a <see cref="LlamaConfig"/>. LongRoPE (rope_scaling type
/// "longrope"/"su", the 128k variants) is refused.
/// </summary>
public static class Phi3Config
{
    public static LlamaConfig FromHf(HfConfig c)
    {
        var config = LlamaConfig.ReadCommon(c) with
        {
            ModelType = "phi3",
            AttentionBias = c.TryGetBool("attention_bias") ?? false,
            PartialRotaryFactor = c.TryGetDouble("partial_rotary_factor") ?? 1,
        };
        if (config.PartialRotaryFactor is <= 0 or > 1 || config.RotaryDims % 2 != 0)
            throw InputException.ForFile(c.Path, $"partial_rotary_factor {config.PartialRotaryFactor} must give an even number of rotated dimensions of the {config.Dimensions.HeadDim}");
        var window = c.TryGetPositiveInt("sliding_window");
        return config with { SlidingWindow = window, SlidingLayers = window is null ? null : LayerWindows.Read(c, config.Layers, _ => true) };
    }
}
