using System.Text.Json;
using Interrogate.Formats;

namespace Interrogate.Text;

/// <summary>
/// The special tokens a model folder's <c>tokenizer_config.json</c> names: <c>bos_token</c>,
/// <c>eos_token</c> and <c>pad_token</c>, each a string or an object with "content" (or null). These
/// override the guesses from tokenizer.json (Llama 3 Instruct ends turns with &lt;|eot_id|&gt;, Qwen 2
/// has no BOS at all).
/// </summary>
internal static class TokenizerConfigJson
{
    /// <summary>The file name beside tokenizer.json.</summary>
    public const string FileName = "tokenizer_config.json";

    /// <summary>
    /// (present, content) for each of bos_token, eos_token, pad_token: present is false when the key is
    /// absent (keep the guess), content null when the key is null (the model has no such token).
    /// </summary>
    public static Dictionary<string, (bool Present, string? Content)> Read(string path)
    {
        using var doc = JsonFile.ParseDocument(path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw InputException.ForFile(path, "expected a JSON object");
        var result = new Dictionary<string, (bool, string?)>();
        foreach (var key in new[] { "bos_token", "eos_token", "pad_token" })
        {
            if (!root.TryGetProperty(key, out var value)) { result[key] = (false, null); continue; }
            result[key] = value.ValueKind switch
            {
                JsonValueKind.Null => (true, null),
                JsonValueKind.String => (true, value.GetString()),
                JsonValueKind.Object when value.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => (true, c.GetString()),
                _ => throw InputException.ForFile(path, $"'{key}' must be a string, an object with \"content\", or null"),
            };
        }
        return result;
    }
}
