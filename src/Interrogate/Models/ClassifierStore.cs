using Interrogate.Models.Conv;
using Interrogate.Models.Mlp;
using Interrogate.Models.Recurrent;

namespace Interrogate.Models;

/// <summary>
/// Saves any of the image classifiers (MLP, conv net, recurrent) to a model folder, and loads one
/// back by the model_type in its config.json, so `eval` and analyses need not know which it is.
/// </summary>
public static class ClassifierStore
{
    /// <summary>Every model_type <see cref="Load"/> understands.</summary>
    public static readonly IReadOnlyList<string> ModelTypes =
        [MlpConfig.ModelType, ConvConfig.ModelType, RecurrentClassifierConfig.ModelType];

    public static void Save(IClassifier model, string directory)
    {
        switch (model)
        {
            case MlpClassifier mlp: MlpStore.Save(mlp, directory); break;
            case ConvClassifier conv: ConvStore.Save(conv, directory); break;
            case RecurrentClassifier rnn: RecurrentStore.Save(rnn, directory); break;
            default: throw new ArgumentException($"no store for classifier type {model.GetType().Name}");
        }
    }

    /// <summary>The classifier in a folder (config.json + model.safetensors), whichever kind it is.</summary>
    public static IClassifier Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new InputException($"{directory}: model folder not found");
        var path = Path.Combine(directory, ModelFiles.ConfigFile);
        var (_, type) = ModelFiles.ReadAny(path);
        return type switch
        {
            MlpConfig.ModelType => MlpStore.Load(directory),
            ConvConfig.ModelType => ConvStore.Load(directory),
            RecurrentClassifierConfig.ModelType => RecurrentStore.LoadClassifier(directory),
            _ => throw InputException.ForFile(path, $"model_type is '{type}', expected one of {string.Join(", ", ModelTypes)}"),
        };
    }
}
