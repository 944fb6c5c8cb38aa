using Interrogate.Formats;
using Interrogate.Models.Llama;
using Interrogate.Models.Transformer;

namespace Interrogate.Models.Mistral;

/// <summary>
/// A Mistral config.json (model_type "mistral"): Llama's tensors and keys without biases, plus
/// <c>sliding_window</c> (null for full attention) on every layer unless <c>layer_types</c> says otherwise.
/// The model is a <see cref="LlamaModel"/>.
/// </summary>
public static class MistralConfig
{
    public static LlamaConfig FromHf(HfConfig c)
    {
        var config = LlamaConfig.ReadCommon(c) with { ModelType = "mistral" };
        var window = c.TryGetPositiveInt("sliding_window");
        return config with
        {
            SlidingWindow = window,
            SlidingLayers = window is null ? null : LayerWindows.Read(c, config.Layers, _ => true),
        };
    }
}
