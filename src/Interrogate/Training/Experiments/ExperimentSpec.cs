using System.Text.Json;
using System.Text.Json.Nodes;
using Interrogate.Formats;

namespace Interrogate.Training.Experiments;

/// <summary>One named arm of an experiment: its full, resolved run settings.</summary>
public sealed record ExperimentSetting(string Name, RunConfig Config);

/// <summary>
/// An experiment: settings × seeds, compared to a baseline setting. Read strictly from JSON:
/// <code>
/// { "name": "...", "description": "...", "dataset": "mnist", "seeds": [0, 1, 2], "baseline": "relu",
///   "base": { run keys },
///   "settings": { "relu": { "activation": "relu" }, "tanh": { "activation": "tanh" } } }
/// </code>
/// or, instead of "settings", a "grid" of axes whose product forms the settings, each named
/// "key=value, key=value" in axis order: <c>"grid": { "activation": ["relu", "tanh"], "dropout": [0, 0.2] }</c>.
/// </summary>
public sealed record ExperimentSpec(string Name, string Description, string Dataset, IReadOnlyList<ulong> Seeds,
    string Baseline, IReadOnlyList<ExperimentSetting> Settings)
{
    public static readonly IReadOnlyList<string> TopLevelKeys = ["name", "description", "dataset", "seeds", "baseline", "base", "settings", "grid"];
    public static readonly IReadOnlyList<string> Datasets = ["mnist"];

    /// <summary>SHA-256 of the resolved content (not the file's bytes), so a database can tell whether it belongs to this spec.</summary>
    public string ContentHash
    {
        get
        {
            var canonical = JsonSerializer.Serialize(new { Name, Dataset, Seeds, Baseline, Settings = Settings.Select(s => new { s.Name, Config = ConfigJson(s.Config) }) });
            return Data.Fingerprint.Of(canonical);
        }
    }

    public ExperimentSetting BaselineSetting => Settings.First(s => s.Name == Baseline);

    /// <summary>A run config as snake_case JSON, the same keys a spec uses.</summary>
    public static string ConfigJson(RunConfig config) => JsonSerializer.Serialize(config, ConfigJsonOptions);

    private static readonly JsonSerializerOptions ConfigJsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static ExperimentSpec Load(string path) => Parse(JsonFile.LoadObject(path), path);

    public static ExperimentSpec Parse(string json, string file) => Parse(JsonFile.ParseObject(json, file), file);

    private static ExperimentSpec Parse(JsonObject root, string file)
    {
        foreach (var (key, _) in root)
            if (!TopLevelKeys.Contains(key))
                throw InputException.ForFile(file, $"unknown key '{key}' (valid: {string.Join(", ", TopLevelKeys)})");
        var name = String(root, "name", file, required: true)!;
        var description = String(root, "description", file, required: false) ?? "";
        var dataset = String(root, "dataset", file, required: true)!;
        if (!Datasets.Contains(dataset))
            throw InputException.ForFile(file, $"'dataset' must be one of {string.Join(", ", Datasets)}, got '{dataset}'");
        var seeds = ReadSeeds(root["seeds"], file);
        var baseConfig = new RunConfig();
        if (root["base"] is { } baseNode)
            baseConfig = RunConfigKeys.ApplyAll(baseConfig, baseNode as JsonObject ?? throw InputException.ForFile(file, "'base' must be an object of run settings"), file, "base");

        bool hasSettings = root.ContainsKey("settings"), hasGrid = root.ContainsKey("grid");
        if (hasSettings == hasGrid) throw InputException.ForFile(file, "give exactly one of 'settings' (named settings) or 'grid' (axes of values)");
        var settings = hasSettings ? NamedSettings(root["settings"], baseConfig, file) : GridSettings(root["grid"], baseConfig, file);
        foreach (var s in settings) ModelFactory.Validate(s.Config, $"{file}: setting '{s.Name}'");

        var baseline = String(root, "baseline", file, required: true)!;
        if (settings.All(s => s.Name != baseline))
            throw InputException.ForFile(file, $"'baseline' is '{baseline}', which is not a setting (settings: {string.Join(", ", settings.Select(s => s.Name))})");
        return new ExperimentSpec(name, description, dataset, seeds, baseline, settings);
    }

    private static List<ExperimentSetting> NamedSettings(JsonNode? node, RunConfig baseConfig, string file)
    {
        if (node is not JsonObject obj || obj.Count == 0) throw InputException.ForFile(file, "'settings' must be a non-empty object of named settings");
        var list = new List<ExperimentSetting>();
        foreach (var (name, value) in obj)
        {
            if (value is not JsonObject overrides) throw InputException.ForFile(file, $"'settings.{name}' must be an object of run settings");
            list.Add(new ExperimentSetting(name, RunConfigKeys.ApplyAll(baseConfig, overrides, file, $"settings.{name}")));
        }
        return list;
    }

    private static List<ExperimentSetting> GridSettings(JsonNode? node, RunConfig baseConfig, string file)
    {
        if (node is not JsonObject axes || axes.Count == 0) throw InputException.ForFile(file, "'grid' must be a non-empty object of axes, each an array of values");
        var cells = new List<(string Name, RunConfig Config)> { ("", baseConfig) };
        foreach (var (key, values) in axes)
        {
            if (values is not JsonArray array || array.Count == 0) throw InputException.ForFile(file, $"'grid.{key}' must be a non-empty array of values");
            cells = [.. cells.SelectMany(cell => array.Select((v, i) => (
                Name: (cell.Name.Length == 0 ? "" : cell.Name + ", ") + $"{key}={Label(v)}",
                Config: RunConfigKeys.ApplyOne(cell.Config, key, v, file, $"grid.{key}[{i}]"))))];
        }
        return [.. cells.Select(c => new ExperimentSetting(c.Name, c.Config))];
    }

    private static string Label(JsonNode? v) => v is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : JsonFile.Show(v);

    private static string? String(JsonObject root, string key, string file, bool required)
    {
        var node = root[key];
        if (node is null) return required ? throw InputException.ForFile(file, $"key '{key}' is missing") : null;
        if (node.GetValueKind() != JsonValueKind.String || node.GetValue<string>().Length == 0)
            throw InputException.ForFile(file, $"'{key}' must be a non-empty string, got {JsonFile.Show(node)}");
        return node.GetValue<string>();
    }

    private static ulong[] ReadSeeds(JsonNode? node, string file)
    {
        if (node is not JsonArray a || a.Count == 0) throw InputException.ForFile(file, "'seeds' must be a non-empty array of non-negative integers");
        var seeds = new ulong[a.Count];
        for (int i = 0; i < a.Count; i++)
            seeds[i] = a[i] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out ulong s)
                ? s : throw InputException.ForFile(file, $"'seeds[{i}]' must be a non-negative integer, got {JsonFile.Show(a[i])}");
        if (seeds.Distinct().Count() != seeds.Length) throw InputException.ForFile(file, "'seeds' has a repeated seed");
        return seeds;
    }
}
