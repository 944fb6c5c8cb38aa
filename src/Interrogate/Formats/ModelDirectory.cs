namespace Interrogate.Formats;

/// <summary>
/// A Hugging Face model folder: config.json plus weights, either one model.safetensors or
/// shards listed by model.safetensors.index.json (the single file wins when both exist, as
/// in transformers). Missing pieces are <see cref="InputException"/>s that say what is expected.
/// </summary>
public sealed class ModelDirectory
{
    public const string ConfigFileName = "config.json";
    public const string WeightsFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    public string Path { get; }
    public string ConfigPath => System.IO.Path.Combine(Path, ConfigFileName);

    private ModelDirectory(string path) => Path = path;

    public static ModelDirectory Open(string path)
    {
        if (File.Exists(path)) throw InputException.ForFile(path, "is a file; expected a model folder containing config.json and model.safetensors");
        if (!Directory.Exists(path)) throw InputException.ForFile(path, "model folder not found");
        return new ModelDirectory(path);
    }

    public HfConfig LoadConfig()
    {
        if (!File.Exists(ConfigPath)) throw InputException.ForFile(ConfigPath, "file not found; a Hugging Face model folder needs config.json");
        return HfConfig.Load(ConfigPath);
    }

    /// <summary>The file that describes the weights: model.safetensors, or else the shard index.</summary>
    public string WeightsPath
    {
        get
        {
            var single = System.IO.Path.Combine(Path, WeightsFileName);
            if (File.Exists(single)) return single;
            var index = System.IO.Path.Combine(Path, IndexFileName);
            if (File.Exists(index)) return index;
            var hint = File.Exists(System.IO.Path.Combine(Path, "pytorch_model.bin"))
                ? "; pytorch_model.bin is not supported, convert it to safetensors" : "";
            throw InputException.ForFile(Path, $"no weights: expected {WeightsFileName} or {IndexFileName}{hint}");
        }
    }

    /// <summary>Opens the weights, single-file or sharded; dispose the result.</summary>
    public ITensorSource OpenWeights()
    {
        var path = WeightsPath;
        return path.EndsWith(IndexFileName, StringComparison.Ordinal) ? ShardedSafetensors.Open(path) : SafetensorsFile.Open(path);
    }
}
