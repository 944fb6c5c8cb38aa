using System.Text.Json;

namespace Interrogate.Analysis.Concepts;

/// <summary>
/// Concept labels from a JSONL file, one object per line: {"document": 0, "token": 12, "label": true}
/// (document index in the corpus, token index in the document). Positions not listed are out.
/// </summary>
public sealed class LabelsFile : Concept
{
    private readonly Dictionary<int, HashSet<int>> positive = [];
    private readonly Dictionary<int, HashSet<int>> mentioned = [];
    private readonly string path;
    private int document;

    public LabelsFile(string path)
    {
        this.path = path;
        if (!File.Exists(path)) throw InputException.ForFile(path, "labels file not found");
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                int doc = root.GetProperty("document").GetInt32(), token = root.GetProperty("token").GetInt32();
                bool label = root.GetProperty("label").ValueKind == JsonValueKind.True
                    || (root.GetProperty("label").ValueKind == JsonValueKind.Number && root.GetProperty("label").GetInt32() != 0);
                if (doc < 0 || token < 0) throw new InputException($"{path}:{lineNumber}: negative document or token index");
                (mentioned.TryGetValue(doc, out var m) ? m : mentioned[doc] = []).Add(token);
                if (label) (positive.TryGetValue(doc, out var p) ? p : positive[doc] = []).Add(token);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InputException($"{path}:{lineNumber}: expected {{\"document\": N, \"token\": N, \"label\": true|false}}");
            }
        }
    }

    public override string Name => $"labels:{Path.GetFileName(path)}";

    /// <summary>Labels the next document of the corpus (documents are labelled in order).</summary>
    public override bool[] Label(IReadOnlyList<string> tokens)
    {
        int doc = document++;
        if (mentioned.TryGetValue(doc, out var m) && m.Max() >= tokens.Count)
            throw InputException.ForFile(path, $"document {doc} has {tokens.Count} tokens but the labels name token {m.Max()}");
        var labels = new bool[tokens.Count];
        if (positive.TryGetValue(doc, out var p)) foreach (var t in p) labels[t] = true;
        return labels;
    }

    /// <summary>Call after labelling the corpus: labels naming documents past its end are an error.</summary>
    public void CheckAllUsed()
    {
        if (mentioned.Count > 0 && mentioned.Keys.Max() >= document)
            throw InputException.ForFile(path, $"labels name document {mentioned.Keys.Max()} but the corpus has {document} documents");
    }
}
