using System.Text.Json;
using System.Text.Json.Nodes;
using Interrogate.Models.Transformer;

namespace Interrogate.Server.Catalog;

/// <summary>A file the viewer could not read: the path and what is wrong; the rest keeps being served.</summary>
public sealed record Problem(string File, string Message);

/// <summary>A results file as the API names it: the results folder's number and the path inside it.</summary>
public sealed record ResultsFile(int Root, string Relative, string FullPath)
{
    public string Id => $"{Root}/{Relative.Replace('\\', '/')}";
}

/// <summary>A concept study (`neurons --json`, or the same object inside a demo's result.json).</summary>
public sealed record StudyEntry(ResultsFile File, JsonObject Study);

/// <summary>A pruning comparison (`prune compare --json`, or inside a demo's result.json).</summary>
public sealed record ComparisonEntry(ResultsFile File, JsonObject Comparison);

/// <summary>One neuron explained (`activations explain --json`).</summary>
public sealed record ExplanationEntry(ResultsFile File, JsonObject Explanation);

/// <summary>A model folder found among the results (a pruned model, say), traced beside the main one.</summary>
public sealed record ModelEntry(ResultsFile File, string Directory);

/// <summary>
/// What the results folders hold, found once at start by content rather than by name, so files from
/// other versions (extra fields, new intervals) are read tolerantly: any object with a "candidates"
/// array of neurons is a study, any with "curves" of fractions is a pruning comparison, any with a
/// "hook", a "neuron" and an "explanation" is an explanation; *.db files are experiment databases and
/// folders with config.json + model.safetensors are models. Files that fail to parse become
/// <see cref="Problems"/> naming the file.
/// </summary>
public sealed class ResultsCatalog
{
    private const int MaxFiles = 5000, MaxDepth = 4;
    private const long MaxJsonBytes = 64L << 20;
    private static readonly HashSet<string> SkippedNames = ["config.json", "tokenizer.json", "tokenizer_config.json", "vocab.json",
        "special_tokens_map.json", "generation_config.json", "manifest.json"];

    public List<StudyEntry> Studies { get; } = [];
    public List<ComparisonEntry> Comparisons { get; } = [];
    public List<ExplanationEntry> Explanations { get; } = [];
    public List<ResultsFile> Experiments { get; } = [];
    public List<ModelEntry> Models { get; } = [];
    public List<Problem> Problems { get; } = [];
    public List<ResultsFile> Files { get; } = [];

    public static ResultsCatalog Scan(IReadOnlyList<string> roots)
    {
        var catalog = new ResultsCatalog();
        for (int r = 0; r < roots.Count; r++)
        {
            var root = Path.GetFullPath(roots[r]);
            if (!Directory.Exists(root)) { catalog.Problems.Add(new(root, "results folder not found")); continue; }
            var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = MaxDepth, IgnoreInaccessible = true };
            if (IsModelFolder(root)) catalog.Models.Add(new(new ResultsFile(r, ".", root), root));
            foreach (var dir in Directory.EnumerateDirectories(root, "*", options).Where(IsModelFolder).Order(StringComparer.Ordinal))
                catalog.Models.Add(new(new ResultsFile(r, Path.GetRelativePath(root, dir), dir), dir));
            foreach (var path in Directory.EnumerateFiles(root, "*", options).Order(StringComparer.Ordinal).Take(MaxFiles))
            {
                var file = new ResultsFile(r, Path.GetRelativePath(root, path), path);
                var name = Path.GetFileName(path);
                if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !SkippedNames.Contains(name)) catalog.AddJson(file);
                else if (name.EndsWith(".db", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".sqlite", StringComparison.OrdinalIgnoreCase))
                {
                    catalog.Experiments.Add(file);
                    catalog.Files.Add(file);
                }
            }
        }
        return catalog;
    }

    /// <summary>A language-model folder the trace explorer can load (classifier folders, e.g. MNIST, are skipped).</summary>
    private static bool IsModelFolder(string dir)
    {
        var config = Path.Combine(dir, "config.json");
        if (!File.Exists(config) || !(File.Exists(Path.Combine(dir, "model.safetensors")) || File.Exists(Path.Combine(dir, "model.safetensors.index.json")))) return false;
        try { return JsonNode.Parse(File.ReadAllText(config))?["model_type"] is JsonValue v && v.TryGetValue<string>(out var type) && TransformerLoader.SupportedTypes.Contains(type); }
        catch (JsonException) { return true; }   // a broken config is shown as that model's error
    }

    private void AddJson(ResultsFile file)
    {
        JsonNode? root;
        try
        {
            if (new FileInfo(file.FullPath).Length > MaxJsonBytes) { Problems.Add(new(file.FullPath, $"larger than {MaxJsonBytes >> 20} MiB; not read")); return; }
            root = JsonNode.Parse(File.ReadAllText(file.FullPath));
        }
        catch (JsonException e) { Problems.Add(new(file.FullPath, $"malformed JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine})")); return; }
        catch (IOException e) { Problems.Add(new(file.FullPath, e.Message)); return; }
        Files.Add(file);
        Walk(root, file, depth: 0);
    }

    private void Walk(JsonNode? node, ResultsFile file, int depth)
    {
        if (depth > 8) return;
        switch (node)
        {
            case JsonObject obj:
                if (obj["candidates"] is JsonArray { Count: > 0 } c && c[0] is JsonObject first && first["neuron"] is not null) Studies.Add(new(file, obj));
                else if (obj["curves"] is JsonArray { Count: > 0 } k && k[0] is JsonObject curve && curve["fractions"] is JsonArray) Comparisons.Add(new(file, obj));
                else if (ComparisonRows.ToCurves(obj) is { } curves) Comparisons.Add(new(file, curves));
                else if (obj["explanation"]?.GetValueKind() == JsonValueKind.String && obj["hook"] is not null && obj["neuron"] is not null) Explanations.Add(new(file, obj));
                else foreach (var (_, child) in obj) Walk(child, file, depth + 1);
                break;
            case JsonArray array:
                foreach (var child in array) Walk(child, file, depth + 1);
                break;
        }
    }
}
