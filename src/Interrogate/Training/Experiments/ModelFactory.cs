using Interrogate.Models;
using Interrogate.Models.Mlp;

namespace Interrogate.Training.Experiments;

/// <summary>Builds the classifier a run's "model" setting names. New architectures plug in here, and only here.</summary>
public static class ModelFactory
{
    /// <summary>Every model kind a spec may name.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["mlp", "conv", "rnn"];

    /// <summary>The kinds this build can construct; the others are planned (branch convrnn).</summary>
    public static readonly IReadOnlyList<string> Available = ["mlp"];

    /// <summary>Throws the user-facing error for a kind that this build cannot construct yet.</summary>
    public static void EnsureAvailable(string kind, string source)
    {
        if (!Available.Contains(kind))
            throw new InputException($"{source}: model '{kind}' is not available yet (available: {string.Join(", ", Available)})");
    }

    /// <summary>A freshly initialised classifier for flattened images of <paramref name="features"/> pixels.</summary>
    public static IClassifier Create(RunConfig config, int features, int classes, ulong seed)
    {
        EnsureAvailable(config.Model, "model");
        return new MlpClassifier(new MlpConfig
        {
            InputSize = features,
            HiddenSizes = config.HiddenSizes,
            NumClasses = classes,
            Activation = config.Activation,
            Normalization = config.Normalization,
            Dropout = config.Dropout,
            Init = config.Init,
        }, seed);
    }
}
