using System.Text.Json;
using System.Text.Json.Nodes;

namespace Interrogate.Formats;

/// <summary>The one JSON reader: configs, shard indexes, tokenizers and specs, with one-line, file-naming errors.</summary>
public static class JsonFile
{
    // Configs and indexes are kilobytes to a few megabytes; refuse anything absurd before reading it.
    private const long MaxBytes = 64L << 20;

    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>A JsonDocument of a file (tokenizers and vocabularies, which can be tens of megabytes), with one-line, file-naming errors.</summary>
    public static JsonDocument ParseDocument(string path)
    {
        if (!File.Exists(path)) throw InputException.ForFile(path, "file not found");
        IO.SpecialFile.RefusePipe(path);
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw InputException.ForFile(path, $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstLine(e.Message)}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InputException.ForFile(path, $"cannot read ({e.Message})", e);
        }
    }

    private static string FirstLine(string message)
    {
        var cut = message.IndexOfAny(['\r', '\n', '.']);
        return cut < 0 ? message : message[..cut];
    }

    public static JsonObject LoadObject(string path)
    {
        string text;
        try
        {
            IO.SpecialFile.RefusePipe(path);
            var length = new FileInfo(path).Length;
            if (length > MaxBytes) throw InputException.ForFile(path, $"is {length} bytes, too large for a JSON config");
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw InputException.ForFile(path, "file not found", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw InputException.ForFile(path, $"cannot be read: {e.Message}", e);
        }
        return ParseObject(text, path);
    }

    /// <param name="json">The JSON text.</param>
    /// <param name="sourceName">Names the source in error messages, usually the file path.</param>
    public static JsonObject ParseObject(string json, string sourceName)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(json, documentOptions: DocumentOptions); }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var position = (e.BytePositionInLine ?? 0) + 1;
            throw InputException.ForFile(sourceName, $"not valid JSON at line {line}, position {position}: {Reason(e)}", e);
        }
        if (node is not JsonObject root)
            throw InputException.ForFile(sourceName, $"expected a JSON object at the top level, got {(node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant())}");
        try { DecodeAll(root); }
        catch (InvalidOperationException e)
        {
            throw InputException.ForFile(sourceName, "has a string that is not valid Unicode (unpaired \\u surrogate escape)", e);
        }
        return root;
    }

    /// <summary>
    /// Decodes every name and string now, so that an unpaired \u surrogate escape (valid JSON,
    /// invalid text) fails here with a file error rather than later inside a getter.
    /// </summary>
    private static void DecodeAll(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o: foreach (var (_, child) in o) DecodeAll(child); break;
            case JsonArray a: foreach (var child in a) DecodeAll(child); break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String: v.GetValue<string>(); break;
        }
    }

    /// <summary>JsonException's own sentence, without the "Path: … LineNumber: …" tail we already report.</summary>
    private static string Reason(JsonException e)
    {
        var message = e.Message;
        foreach (var tail in new[] { " Path:", " LineNumber:" })
        {
            int at = message.IndexOf(tail, StringComparison.Ordinal);
            if (at >= 0) message = message[..at];
        }
        return MessageText.Printable(message.Trim().TrimEnd('.'), 160);
    }

    /// <summary>A JSON value as short one-line text for error messages.</summary>
    public static string Show(JsonNode? node) => node is null ? "null" : MessageText.Printable(node.ToJsonString(), 60);
}
