using Interrogate.Formats;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Gemma;
using Interrogate.Models.GptNeoX;
using Interrogate.Models.Llama;
using Interrogate.Models.Mistral;
using Interrogate.Models.Phi3;
using Interrogate.Models.Qwen2;

namespace Interrogate.Models.Transformer;

/// <summary>Loads a Hugging Face causal language model folder, choosing the architecture by config.json's model_type.</summary>
public static class TransformerLoader
{
    private static readonly Dictionary<string, Func<ModelDirectory, HfConfig, CausalLanguageModel>> Architectures = new()
    {
        ["gpt2"] = Gpt2Model.Load,
        ["llama"] = LlamaModel.Load,
        ["mistral"] = (d, c) => LlamaModel.Load(d, c, MistralConfig.FromHf(c)),
        ["qwen2"] = (d, c) => LlamaModel.Load(d, c, Qwen2Config.FromHf(c)),
        ["gemma"] = GemmaModel.Load,
        ["gemma2"] = GemmaModel.Load,
        ["phi3"] = Phi3Model.Load,
        ["gpt_neox"] = GptNeoXModel.Load,
        ["gptneox"] = GptNeoXModel.Load,   // what HfConfig guesses from "GPTNeoXForCausalLM" when model_type is absent
    };

    /// <summary>The model_type values that load.</summary>
    public static IReadOnlyCollection<string> SupportedTypes => Architectures.Keys;

    /// <summary>Reads config.json and the safetensors weights; every problem is an <see cref="InputException"/> naming the file.</summary>
    public static CausalLanguageModel FromDirectory(string path)
    {
        var (directory, config, load) = Prepare(path);
        CausalLanguageModel model;
        // Parameters are filled from the file (or map its 16-bit matrices): no random float32 first.
        using (Tensors.TensorRandom.SkipInitialization()) model = load(directory, config);
        model.RefuseNonFinite = true;   // loaded weights: a non-finite output is reported with its first hook point
        return model;
    }

    /// <summary>
    /// Everything <see cref="FromDirectory"/> checks before it allocates (the folder, config.json, the
    /// model type, the sizes against the weights header and the memory available), without loading
    /// a tensor: for a viewer that loads lazily but refuses a broken folder at start.
    /// </summary>
    public static void Check(string path) => Prepare(path);

    private static (ModelDirectory Directory, HfConfig Config, Func<ModelDirectory, HfConfig, CausalLanguageModel> Load) Prepare(string path)
    {
        var directory = ModelDirectory.Open(path);
        var config = directory.LoadConfig();
        var type = config.DetectModelType();
        if (!Architectures.TryGetValue(type, out var load))
            throw InputException.ForFile(config.Path, $"model_type '{MessageText.Printable(type)}' is not supported (supported: {string.Join(", ", SupportedTypes)})");
        ConfigChecks.BeforeLoading(directory, config, type);
        return (directory, config, load);
    }
}
