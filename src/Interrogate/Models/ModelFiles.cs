using System.Text.Json;
using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.IO;
using Interrogate.Nn;

namespace Interrogate.Models;

/// <summary>
/// The config.json + model.safetensors folder that the small classifiers share: writing it
/// (weights first, config last, both atomic), reading a config object of an expected model_type,
/// typed keys with errors that name the file, and loading weights checked against the module.
/// </summary>
internal static class ModelFiles
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";

    public static void Save(Module model, JsonObject config, string directory)
    {
        Directory.CreateDirectory(directory);
        // Weights first, config last: a folder with a config always has the weights it describes.
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFile), model.NamedParameters(),
            new Dictionary<string, string> { ["format"] = "pt", ["producer"] = "interrogate" });
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Parses config.json of a model folder and checks its model_type.</summary>
    public static JsonObject ReadConfig(string path, string modelType)
    {
        var (obj, type) = ReadAny(path);
        if (type != modelType) throw InputException.ForFile(path, $"model_type is '{type}', expected '{modelType}'");
        return obj;
    }

    /// <summary>Parses config.json of a model folder of any kind: the object and its model_type (null when absent).</summary>
    public static (JsonObject Config, string? ModelType) ReadAny(string path)
    {
        if (!File.Exists(path)) throw InputException.ForFile(path, "file not found (expected config.json beside model.safetensors)");
        var obj = Formats.JsonFile.LoadObject(path);
        var type = obj["model_type"]?.GetValueKind() == JsonValueKind.String ? obj["model_type"]!.GetValue<string>() : null;
        return (obj, type);
    }

    /// <summary>Fills every parameter of the model from model.safetensors; a missing or mis-shaped tensor names the file.</summary>
    public static void LoadWeights(Module model, string directory)
    {
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
        model.RefuseNonFinite = true;   // loaded weights: a non-finite output is reported with its first hook point
    }

    /// <summary>
    /// Before a model is built: the config's parameter count must not far exceed what model.safetensors
    /// holds, nor the memory available, so a typo (hidden_sizes [1000000000]) is an error naming the
    /// config rather than an allocation that takes the machine. Small contradictions are left to
    /// <see cref="LoadWeights"/>, whose message names the tensor and both shapes.
    /// </summary>
    public static void CheckSize(string directory, string configPath, double parameters)
    {
        var weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weightsPath)) throw InputException.ForFile(weightsPath, "file not found");
        double stored;
        using (var file = SafetensorsFile.Open(weightsPath)) stored = file.Tensors.Sum(t => (double)t.ElementCount);
        if (parameters > 2 * stored + (16 << 20))
            throw InputException.ForFile(configPath, $"describes {parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} weights, but {WeightsFile} holds {stored.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}; the config does not describe these weights");
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (4 * parameters > available)
            throw InputException.ForFile(configPath, $"the model needs {4 * parameters / (1L << 30):F1} GiB of memory as float32, more than the {available / (double)(1L << 30):F1} GiB available");
    }

    public static int PositiveInt(JsonObject obj, string key, string path, int? fallback = null)
    {
        var node = obj[key];
        if (node is null)
            return fallback ?? throw InputException.ForFile(path, $"key '{key}' is missing");
        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<int>(out int v) || v <= 0)
            throw InputException.ForFile(path, $"key '{key}' must be a positive integer, got {node.ToJsonString()}");
        return v;
    }

    public static int[] PositiveInts(JsonObject obj, string key, string path)
    {
        if (obj[key] is not JsonArray a) throw InputException.ForFile(path, $"key '{key}' is missing or not an array");
        return [.. a.Select((n, i) => n?.GetValueKind() == JsonValueKind.Number && n.AsValue().TryGetValue<int>(out int v) && v > 0 ? v
            : throw InputException.ForFile(path, $"{key}[{i}] must be a positive integer"))];
    }

    public static string String(JsonObject obj, string key, string path, string fallback)
    {
        var node = obj[key];
        if (node is null) return fallback;
        return node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>()
            : throw InputException.ForFile(path, $"key '{key}' must be a string, got {node.ToJsonString()}");
    }

    public static JsonArray Array(int[] values) => new([.. values.Select(v => JsonValue.Create(v))]);
}
