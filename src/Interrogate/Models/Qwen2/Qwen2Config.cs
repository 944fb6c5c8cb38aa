using Interrogate.Formats;
using Interrogate.Models.Llama;
using Interrogate.Models.Transformer;

namespace Interrogate.Models.Qwen2;

/// <summary>
/// A Qwen2 config.json (model_type "qwen2", also Qwen2.5): Llama's tensors with biases on q, k and v
/// (none on o). With <c>use_sliding_window</c>, layers from <c>max_window_layers</c> on attend through
/// <c>sliding_window</c> (or as <c>layer_types</c> lists). The model is a <see cref="LlamaModel"/>.
/// </summary>
public static class Qwen2Config
{
    public static LlamaConfig FromHf(HfConfig c)
    {
        var config = LlamaConfig.ReadCommon(c) with { ModelType = "qwen2", QkvBias = true };
        int? window = c.TryGetBool("use_sliding_window") == true ? c.TryGetPositiveInt("sliding_window") : null;
        if (window is null) return config;
        int first = c.TryGetInt("max_window_layers") ?? config.Layers;
        return config with { SlidingWindow = window, SlidingLayers = LayerWindows.Read(c, config.Layers, l => l >= first) };
    }
}
