using Interrogate.Models;
using Interrogate.Models.Conv;
using Interrogate.Models.Mlp;
using Interrogate.Models.Recurrent;

namespace Interrogate.Training.Experiments;

/// <summary>
/// Builds the classifier a run's "model" setting names: "mlp" (hidden_sizes, activation,
/// normalization, dropout, init), "conv" (channels, kernel_size, pool_size, then hidden_sizes and
/// activation) or "rnn" (cell, one hidden size; the image read row by row). New architectures plug in here.
/// </summary>
public static class ModelFactory
{
    /// <summary>Every model kind a spec may name.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["mlp", "conv", "rnn"];

    /// <summary>
    /// Refuses switches the chosen model would silently ignore, so a spec never claims a trick that
    /// did not happen. source: "FILE: setting 'NAME'".
    /// </summary>
    public static void Validate(RunConfig c, string source)
    {
        var ignored = new List<string>();
        if (c.Model != "mlp")
        {
            if (c.Normalization != "none") ignored.Add("normalization");
            if (c.Dropout != 0) ignored.Add("dropout");
            if (c.Init != "auto") ignored.Add("init");
        }
        if (c.Model == "rnn" && c.Activation != "relu") ignored.Add("activation (the cells fix their own)");
        if (ignored.Count > 0)
            throw new InputException($"{source}: model '{c.Model}' does not support {string.Join(", ", ignored)}; remove it or use model 'mlp'");
        if (c.Model == "rnn" && c.HiddenSizes.Length != 1)
            throw new InputException($"{source}: model 'rnn' takes one hidden size, got hidden_sizes [{string.Join(", ", c.HiddenSizes)}]");
        if (c.Model == "conv" && Conv(c, 28, 28, 10).MapSizes(out var error) is not null && error is not null)
            throw new InputException($"{source}: {error}");
    }

    /// <summary>A freshly initialised classifier for width × height single-channel images, fed flattened.</summary>
    public static IClassifier Create(RunConfig c, int width, int height, int classes, ulong seed) => c.Model switch
    {
        "mlp" => new MlpClassifier(new MlpConfig
        {
            InputSize = width * height, HiddenSizes = c.HiddenSizes, NumClasses = classes,
            Activation = c.Activation, Normalization = c.Normalization, Dropout = c.Dropout, Init = c.Init,
        }, seed),
        "conv" => new ConvClassifier(Conv(c, width, height, classes), seed),
        "rnn" => new RecurrentClassifier(new RecurrentClassifierConfig
        {
            Cell = c.Cell, InputSize = width, SequenceLength = height, HiddenSize = c.HiddenSizes[0], NumClasses = classes,
        }, seed),
        _ => throw new InputException($"model: unknown model '{c.Model}' (known: {string.Join(", ", Kinds)})"),
    };

    private static ConvConfig Conv(RunConfig c, int width, int height, int classes) => new()
    {
        ImageHeight = height, ImageWidth = width, Channels = c.Channels, KernelSize = c.KernelSize, PoolSize = c.PoolSize,
        HiddenSizes = c.HiddenSizes, NumClasses = classes, Activation = c.Activation,
    };
}
