using System.Text.Json.Nodes;

namespace Interrogate.Models.Conv;

/// <summary>
/// Saves and loads a conv-net classifier as a Hugging Face-style folder: config.json (model_type
/// "interrogate-conv") and model.safetensors. Every tensor is checked against the config.
/// </summary>
public static class ConvStore
{
    public static void Save(ConvClassifier model, string directory)
    {
        var c = model.Config;
        var json = new JsonObject
        {
            ["model_type"] = ConvConfig.ModelType,
            ["image_channels"] = c.ImageChannels,
            ["image_height"] = c.ImageHeight,
            ["image_width"] = c.ImageWidth,
            ["channels"] = ModelFiles.Array(c.Channels),
            ["kernel_size"] = c.KernelSize,
            ["pool_size"] = c.PoolSize,
            ["hidden_sizes"] = ModelFiles.Array(c.HiddenSizes),
            ["num_classes"] = c.NumClasses,
            ["activation"] = c.Activation,
        };
        ModelFiles.Save(model, json, directory);
    }

    public static ConvClassifier Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new InputException($"{directory}: model folder not found");
        var configPath = Path.Combine(directory, ModelFiles.ConfigFile);
        var config = ReadConfig(configPath);
        ModelFiles.CheckSize(directory, configPath, Parameters(config));
        var model = new ConvClassifier(config, seed: 0);
        ModelFiles.LoadWeights(model, directory);
        return model;
    }

    /// <summary>Weights the config describes, counted in doubles so a typo (channels [1000000000]) cannot overflow before it is refused.</summary>
    public static double Parameters(ConvConfig c)
    {
        double total = 0, inChannels = c.ImageChannels;
        foreach (int channels in c.Channels)
        {
            total += (double)c.KernelSize * c.KernelSize * inChannels * channels + channels;
            inChannels = channels;
        }
        var maps = c.MapSizes(out _);
        double flattened = c.Channels.Length == 0 ? (double)c.ImageChannels * c.ImageHeight * c.ImageWidth
            : inChannels * maps[^1].Height * maps[^1].Width;
        double[] widths = [flattened, .. c.HiddenSizes.Select(w => (double)w), c.NumClasses];
        for (int i = 1; i < widths.Length; i++) total += widths[i - 1] * widths[i] + widths[i];
        return total;
    }

    public static ConvConfig ReadConfig(string path)
    {
        var obj = ModelFiles.ReadConfig(path, ConvConfig.ModelType);
        var config = new ConvConfig
        {
            ImageChannels = ModelFiles.PositiveInt(obj, "image_channels", path),
            ImageHeight = ModelFiles.PositiveInt(obj, "image_height", path),
            ImageWidth = ModelFiles.PositiveInt(obj, "image_width", path),
            Channels = ModelFiles.PositiveInts(obj, "channels", path),
            KernelSize = ModelFiles.PositiveInt(obj, "kernel_size", path),
            PoolSize = ModelFiles.PositiveInt(obj, "pool_size", path, fallback: 1),
            HiddenSizes = ModelFiles.PositiveInts(obj, "hidden_sizes", path),
            NumClasses = ModelFiles.PositiveInt(obj, "num_classes", path),
            Activation = Nn.Activation.Validate(ModelFiles.String(obj, "activation", path, "relu"), path),
        };
        config.MapSizes(out var error);
        if (error is not null) throw InputException.ForFile(path, error);
        return config;
    }
}
