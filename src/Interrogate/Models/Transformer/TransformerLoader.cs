using Interrogate.Formats;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Llama;

namespace Interrogate.Models.Transformer;

/// <summary>Loads a Hugging Face causal language model folder, choosing the architecture by config.json's model_type.</summary>
public static class TransformerLoader
{
    private static readonly Dictionary<string, Func<ModelDirectory, HfConfig, CausalLanguageModel>> Architectures = new()
    {
        ["gpt2"] = Gpt2Model.Load,
        ["llama"] = LlamaModel.Load,
    };

    /// <summary>The model_type values that load.</summary>
    public static IReadOnlyCollection<string> SupportedTypes => Architectures.Keys;

    /// <summary>Reads config.json and the safetensors weights; every problem is an <see cref="InputException"/> naming the file.</summary>
    public static CausalLanguageModel FromDirectory(string path)
    {
        var directory = ModelDirectory.Open(path);
        var config = directory.LoadConfig();
        var type = config.DetectModelType();
        if (!Architectures.TryGetValue(type, out var load))
            throw InputException.ForFile(config.Path, $"model_type '{MessageText.Printable(type)}' is not supported (supported: {string.Join(", ", SupportedTypes)})");
        ConfigChecks.BeforeLoading(directory, config, type);
        return load(directory, config);
    }
}
