using System.Text.Json.Nodes;

namespace Interrogate.Models.Mlp;

/// <summary>
/// Saves and loads an MLP classifier as a Hugging Face-style folder: config.json (model_type
/// "interrogate-mlp") and model.safetensors. Every tensor is checked against the config.
/// </summary>
public static class MlpStore
{
    public static void Save(MlpClassifier model, string directory)
    {
        var c = model.Config;
        var json = new JsonObject
        {
            ["model_type"] = MlpConfig.ModelType,
            ["input_size"] = c.InputSize,
            ["hidden_sizes"] = ModelFiles.Array(c.HiddenSizes),
            ["num_classes"] = c.NumClasses,
            ["activation"] = c.Activation,
            ["normalization"] = c.Normalization,
            ["dropout"] = c.Dropout,
            ["init"] = c.Init,
        };
        ModelFiles.Save(model, json, directory);
    }

    public static MlpClassifier Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new InputException($"{directory}: model folder not found");
        var configPath = Path.Combine(directory, ModelFiles.ConfigFile);
        var config = ReadConfig(configPath);
        int[] widths = [config.InputSize, .. config.HiddenSizes, config.NumClasses];
        ModelFiles.CheckSize(directory, configPath, widths.Zip(widths.Skip(1)).Sum(p => (double)p.First * p.Second));
        var model = new MlpClassifier(config, seed: 0);
        ModelFiles.LoadWeights(model, directory);
        return model;
    }

    public static MlpConfig ReadConfig(string path)
    {
        var obj = ModelFiles.ReadConfig(path, MlpConfig.ModelType);
        var normalization = ModelFiles.String(obj, "normalization", path, "none");
        if (normalization is not ("none" or "layernorm"))
            throw InputException.ForFile(path, $"normalization '{normalization}' is not one of none, layernorm");
        var init = ModelFiles.String(obj, "init", path, "auto");
        if (!MlpConfig.InitNames.Contains(init))
            throw InputException.ForFile(path, $"init '{init}' is not one of {string.Join(", ", MlpConfig.InitNames)}");
        float dropout = obj["dropout"] is JsonValue d && d.TryGetValue<float>(out var p) ? p : 0f;
        if (dropout is < 0f or >= 1f) throw InputException.ForFile(path, $"dropout {dropout} is outside [0, 1)");
        return new MlpConfig
        {
            InputSize = ModelFiles.PositiveInt(obj, "input_size", path),
            HiddenSizes = ModelFiles.PositiveInts(obj, "hidden_sizes", path),
            NumClasses = ModelFiles.PositiveInt(obj, "num_classes", path),
            Activation = Nn.Activation.Validate(ModelFiles.String(obj, "activation", path, "relu"), path),
            Normalization = normalization,
            Dropout = dropout,
            Init = init,
        };
    }
}
