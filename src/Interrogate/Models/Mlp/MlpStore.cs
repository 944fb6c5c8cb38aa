using System.Text.Json;
using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.IO;

namespace Interrogate.Models.Mlp;

/// <summary>
/// Saves and loads an MLP classifier as a Hugging Face-style folder: config.json (model_type
/// "interrogate-mlp") and model.safetensors. Every tensor is checked against the config.
/// </summary>
public static class MlpStore
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";

    public static void Save(MlpClassifier model, string directory)
    {
        Directory.CreateDirectory(directory);
        var c = model.Config;
        var json = new JsonObject
        {
            ["model_type"] = MlpConfig.ModelType,
            ["input_size"] = c.InputSize,
            ["hidden_sizes"] = new JsonArray([.. c.HiddenSizes.Select(h => JsonValue.Create(h))]),
            ["num_classes"] = c.NumClasses,
            ["activation"] = c.Activation,
            ["normalization"] = c.Normalization,
            ["dropout"] = c.Dropout,
        };
        // Weights first, config last: a folder with a config always has the weights it describes.
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFile), model.NamedParameters(),
            new Dictionary<string, string> { ["format"] = "pt", ["producer"] = "interrogate" });
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    public static MlpClassifier Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new InputException($"{directory}: model folder not found");
        var config = ReadConfig(Path.Combine(directory, ConfigFile));
        var model = new MlpClassifier(config, seed: 0);
        var weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weightsPath)) throw InputException.ForFile(weightsPath, "file not found");
        using var file = SafetensorsFile.Open(weightsPath);
        foreach (var (name, tensor) in model.NamedParameters())
        {
            if (!file.Names.Contains(name))
                throw InputException.ForFile(weightsPath, $"tensor '{name}' is missing (the config describes a different model)");
            var info = file.GetInfo(name);
            if (!info.Shape.SequenceEqual(tensor.Shape))
                throw InputException.ForFile(weightsPath, $"tensor '{name}' has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", tensor.Shape)}]");
            file.ReadInto(name, tensor.Span);
        }
        return model;
    }

    public static MlpConfig ReadConfig(string path)
    {
        if (!File.Exists(path)) throw InputException.ForFile(path, "file not found (expected config.json beside model.safetensors)");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw InputException.ForFile(path, $"malformed JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine})"); }
        if (root is not JsonObject obj) throw InputException.ForFile(path, "expected a JSON object");
        var type = obj["model_type"]?.GetValueKind() == JsonValueKind.String ? obj["model_type"]!.GetValue<string>() : null;
        if (type != MlpConfig.ModelType) throw InputException.ForFile(path, $"model_type is '{type}', expected '{MlpConfig.ModelType}'");
        try
        {
            return new MlpConfig
            {
                InputSize = PositiveInt(obj, "input_size", path),
                HiddenSizes = obj["hidden_sizes"] is JsonArray a
                    ? [.. a.Select((n, i) => n?.GetValueKind() == JsonValueKind.Number && n.GetValue<int>() > 0 ? n.GetValue<int>()
                        : throw InputException.ForFile(path, $"hidden_sizes[{i}] must be a positive integer"))]
                    : throw InputException.ForFile(path, "key 'hidden_sizes' is missing or not an array"),
                NumClasses = PositiveInt(obj, "num_classes", path),
                Activation = Nn.Activation.Validate(obj["activation"]?.GetValue<string>() ?? "relu", path),
                Normalization = obj["normalization"]?.GetValue<string>() ?? "none",
                Dropout = obj["dropout"]?.GetValue<float>() ?? 0f,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw InputException.ForFile(path, $"a value has the wrong type ({e.Message})");
        }
    }

    private static int PositiveInt(JsonObject obj, string key, string path)
    {
        var node = obj[key];
        if (node is null) throw InputException.ForFile(path, $"key '{key}' is missing");
        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<int>(out int v) || v <= 0)
            throw InputException.ForFile(path, $"key '{key}' must be a positive integer, got {node.ToJsonString()}");
        return v;
    }
}
