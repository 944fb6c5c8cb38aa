using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interrogate.IO;

namespace Interrogate.Formats;

/// <summary>
/// A Hugging Face config.json: the JSON object plus typed getters whose errors name the file
/// and key. Getters take one or more keys and use the first that is present and not null, so
/// "n_embd"/"hidden_size" spellings resolve in one call. TryGet* returns null when every key is
/// absent or null (combine with ?? for a default); Get* throws <see cref="InputException"/>.
/// A present value of the wrong type always throws.
/// </summary>
public sealed class HfConfig
{
    /// <summary>Names the source in error messages (the file path, or "config.json").</summary>
    public string Path { get; }
    /// <summary>The raw JSON, mutable; <see cref="Save"/> writes it back.</summary>
    public JsonObject Json { get; }

    public HfConfig(JsonObject json, string path = "config.json")
    {
        Json = json;
        Path = path;
    }

    /// <summary>Reads a config file; missing file, bad JSON or a non-object root are <see cref="InputException"/>s.</summary>
    public static HfConfig Load(string path) => new(JsonFile.LoadObject(path), path);

    public static HfConfig Parse(string json, string path = "config.json") => new(JsonFile.ParseObject(json, path), path);

    /// <summary>Writes the JSON indented, atomically.</summary>
    public void Save(string path) =>
        AtomicFile.WriteAllText(path, Json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }) + "\n");

    /// <summary>Sets (or with null, stores JSON null for) a key.</summary>
    public HfConfig Set(string key, JsonNode? value)
    {
        Json[key] = value;
        return this;
    }

    /// <summary>True when the key is present with a non-null value.</summary>
    public bool Has(string key) => Json.TryGetPropertyValue(key, out var node) && node is not null;

    /// <summary>The "model_type" string, or null.</summary>
    public string? ModelType => TryGetString("model_type");

    /// <summary>
    /// "model_type" when set, else a guess from the first of "architectures" with the task
    /// suffix removed and lower-cased ("GPT2LMHeadModel" → "gpt2", "LlamaForCausalLM" → "llama").
    /// The guess cannot restore underscores (GPTNeoX → "gptneox", not "gpt_neox").
    /// </summary>
    public string DetectModelType()
    {
        if (ModelType is { Length: > 0 } modelType) return modelType;
        if (TryGetStringList("architectures") is [var architecture, ..])
        {
            foreach (var suffix in new[] { "ForCausalLM", "LMHeadModel", "ForConditionalGeneration", "ForSequenceClassification", "Model" })
            {
                if (architecture.EndsWith(suffix, StringComparison.Ordinal) && architecture.Length > suffix.Length)
                    return architecture[..^suffix.Length].ToLowerInvariant();
            }
            return architecture.ToLowerInvariant();
        }
        throw InputException.ForFile(Path, "cannot tell the model type: neither 'model_type' nor 'architectures' is set");
    }

    public int GetInt(params string[] keys) => TryGetInt(keys) ?? throw Missing(keys, "an integer");
    public int? TryGetInt(params string[] keys) => Find(keys, out var key, out var node) ? ToInt(key, node, "an integer") : null;

    public int GetPositiveInt(params string[] keys) => TryGetPositiveInt(keys) ?? throw Missing(keys, "a positive integer");
    public int? TryGetPositiveInt(params string[] keys)
    {
        if (!Find(keys, out var key, out var node)) return null;
        int value = ToInt(key, node, "a positive integer");
        return value > 0 ? value : throw WrongType(key, "a positive integer", node);
    }

    public double GetDouble(params string[] keys) => TryGetDouble(keys) ?? throw Missing(keys, "a number");
    public double? TryGetDouble(params string[] keys)
    {
        if (!Find(keys, out var key, out var node)) return null;
        if (node.GetValueKind() == JsonValueKind.Number &&
            double.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            return value;
        throw WrongType(key, "a number", node);
    }

    public string GetString(params string[] keys) => TryGetString(keys) ?? throw Missing(keys, "a string");
    public string? TryGetString(params string[] keys)
    {
        if (!Find(keys, out var key, out var node)) return null;
        return node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : throw WrongType(key, "a string", node);
    }

    public bool GetBool(params string[] keys) => TryGetBool(keys) ?? throw Missing(keys, "true or false");
    public bool? TryGetBool(params string[] keys)
    {
        if (!Find(keys, out var key, out var node)) return null;
        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(key, "true or false", node),
        };
    }

    /// <summary>An integer list; a single integer counts as a one-element list (as eos_token_id may be either).</summary>
    public int[]? TryGetIntList(params string[] keys)
    {
        if (!Find(keys, out var key, out var node)) return null;
        if (node is not JsonArray array) return [ToInt(key, node, "an integer or a list of integers")];
        return array.Select(item => item is null ? throw WrongType(key, "a list of integers", node) : ToInt(key, item, "a list of integers", node)).ToArray();
    }

    public string[]? TryGetStringList(params string[] keys)
    {
        if (!Find(keys, out var key, out var node)) return null;
        if (node is not JsonArray array || array.Any(item => item?.GetValueKind() != JsonValueKind.String))
            throw WrongType(key, "a list of strings", node);
        return array.Select(item => item!.GetValue<string>()).ToArray();
    }

    private bool Find(string[] keys, out string key, out JsonNode node)
    {
        if (keys.Length == 0) throw new ArgumentException("at least one key is needed", nameof(keys));
        foreach (var candidate in keys)
        {
            if (Json.TryGetPropertyValue(candidate, out var value) && value is not null)
            {
                key = candidate;
                node = value;
                return true;
            }
        }
        key = "";
        node = null!;
        return false;
    }

    /// <summary>Accepts integral numbers written as 768 or 768.0 (Python floats); nothing else.</summary>
    private int ToInt(string key, JsonNode node, string expected, JsonNode? shown = null)
    {
        if (node.GetValueKind() == JsonValueKind.Number &&
            double.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) &&
            value == Math.Floor(value) && value >= int.MinValue && value <= int.MaxValue)
            return (int)value;
        throw WrongType(key, expected, shown ?? node);
    }

    private InputException Missing(string[] keys, string expected)
    {
        var names = keys.Length == 1 ? $"'{keys[0]}'" : $"'{keys[0]}' (or {string.Join(", ", keys.Skip(1).Select(k => $"'{k}'"))})";
        bool isNull = keys.Any(k => Json.TryGetPropertyValue(k, out var v) && v is null);
        return InputException.ForFile(Path, isNull ? $"key {names} is null, expected {expected}" : $"key {names} is missing");
    }

    private InputException WrongType(string key, string expected, JsonNode node) =>
        InputException.ForFile(Path, $"key '{key}' must be {expected}, got {JsonFile.Show(node)}");
}
