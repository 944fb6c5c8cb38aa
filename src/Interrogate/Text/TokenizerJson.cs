using System.Text.Json;
using Interrogate.Formats;

namespace Interrogate.Text;

/// <summary>
/// Hugging Face <c>tokenizer.json</c> for BPE models, in the two shapes models ship: byte-level
/// (GPT-2: ByteLevel pre-tokenizer and decoder) and sentencepiece-style (Llama: "▁" for spaces via a
/// Prepend/Replace normalizer or a Metaspace pre-tokenizer, byte fallback to &lt;0xNN&gt; tokens).
/// Anything else is refused with an <see cref="InputException"/> rather than tokenized differently.
/// </summary>
public static partial class TokenizerJson
{
    private static readonly string[] BosNames = ["<s>", "<|begin_of_text|>", "<|endoftext|>", "<bos>"];
    private static readonly string[] EosNames = ["</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>"];
    private static readonly string[] PadNames = ["<pad>", "<|pad|>", "[PAD]"];

    /// <summary>Loads tokenizer.json; special tokens named in <paramref name="configPath"/> (a tokenizer_config.json) override the guesses from the names.</summary>
    public static BpeTokenizer Load(string path, string? configPath = null)
    {
        using var doc = JsonFile.ParseDocument(path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw InputException.ForFile(path, "no \"model\" object; is this a Hugging Face tokenizer.json?");
        if (model.TryGetProperty("type", out var typeValue) && typeValue.ValueKind != JsonValueKind.String)
            throw InputException.ForFile(path, $"model.type must be a string such as \"BPE\", got {MessageText.Printable(typeValue.GetRawText(), 40)}");
        var type = Str(model, "type") ?? (model.TryGetProperty("merges", out _) ? "BPE" : "unknown");
        if (type != "BPE") throw InputException.ForFile(path, $"model type {type} is not supported (only BPE tokenizers: GPT-2, Llama, Mistral style)");
        if (Str(model, "continuing_subword_prefix") is { Length: > 0 } || Str(model, "end_of_word_suffix") is { Length: > 0 })
            throw InputException.ForFile(path, "BPE with continuing_subword_prefix or end_of_word_suffix is not supported");

        var added = ReadAddedTokens(root, path);
        if (!model.TryGetProperty("vocab", out var vocabJson)) throw InputException.ForFile(path, "model has no \"vocab\"");
        var tokens = VocabJson.Read(vocabJson, path, added.Count == 0 ? 0 : added.Max(t => t.Id) + 1);
        var merges = ReadMerges(model, path);
        var bpe = new BpeModel(tokens, merges, path);
        var options = ReadOptions(root, model, path);
        int? Find(string[] names) => names.Select(n => added.FirstOrDefault(t => t.Content == n)?.Id).FirstOrDefault(id => id is not null);
        var (bos, eos, pad) = (TemplateBos(root, added) ?? Find(BosNames), Find(EosNames), Find(PadNames));
        if (configPath is not null)
        {
            var named = TokenizerConfigJson.Read(configPath);
            int? Id(string key, int? guess)
            {
                var (present, content) = named[key];
                if (!present) return guess;
                if (content is null) return null;
                if (added.FirstOrDefault(t => t.Content == content) is { } token) return token.Id;
                return bpe.TryGetId(content, out var id) ? id
                    : throw InputException.ForFile(configPath, $"{key} '{MessageText.Printable(content)}' is not a token of {path}");
            }
            (bos, eos, pad) = (Id("bos_token", bos), Id("eos_token", eos), Id("pad_token", pad));
        }
        return new BpeTokenizer(bpe, options, added, path) { BosId = bos, EosId = eos, PadId = pad };
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool Bool(JsonElement e, string name, bool fallback) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string path)
    {
        var list = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var array) || array.ValueKind != JsonValueKind.Array) return list;
        foreach (var t in array.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.Object)
                throw InputException.ForFile(path, $"added_tokens entry {MessageText.Printable(t.GetRawText(), 40)} must be an object");
            if (!t.TryGetProperty("id", out var id) || !id.TryGetInt32(out var value) || Str(t, "content") is not { } content)
                throw InputException.ForFile(path, $"added_tokens entry {t.GetRawText()} needs an integer \"id\" and a string \"content\"");
            list.Add(new AddedToken(value, content, Bool(t, "special", false)));
        }
        return list;
    }

    private static List<(string, string)> ReadMerges(JsonElement model, string path)
    {
        var merges = new List<(string, string)>();
        if (!model.TryGetProperty("merges", out var array) || array.ValueKind == JsonValueKind.Null) return merges;
        if (array.ValueKind != JsonValueKind.Array)
            throw InputException.ForFile(path, $"model.merges must be a list of merges, got {MessageText.Printable(array.GetRawText(), 40)}");
        foreach (var m in array.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.String)
            {
                // The older form "left right": split at the one space (byte-level and ▁ tokens hold none).
                var s = m.GetString()!;
                var cut = s.IndexOf(' ', StringComparison.Ordinal);
                if (cut <= 0 || cut != s.LastIndexOf(' ') || cut == s.Length - 1)
                    throw InputException.ForFile(path, $"merge {merges.Count + 1} {BpeModel.Quote(s)} is not \"left right\"");
                merges.Add((s[..cut], s[(cut + 1)..]));
            }
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2 && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
                merges.Add((m[0].GetString()!, m[1].GetString()!));
            else throw InputException.ForFile(path, $"merge {merges.Count + 1} {m.GetRawText()} is neither \"left right\" nor [\"left\", \"right\"]");
        }
        return merges;
    }

    // The first special token of TemplateProcessing's "single" template is the BOS the model was trained with.
    private static int? TemplateBos(JsonElement root, List<AddedToken> added)
    {
        if (!root.TryGetProperty("post_processor", out var post) || post.ValueKind != JsonValueKind.Object) return null;
        var processors = Str(post, "type") == "Sequence" && post.TryGetProperty("processors", out var p) ? p.EnumerateArray().ToList() : [post];
        foreach (var processor in processors)
        {
            if (Str(processor, "type") != "TemplateProcessing" || !processor.TryGetProperty("single", out var single)) continue;
            foreach (var piece in single.EnumerateArray())
            {
                if (!piece.TryGetProperty("SpecialToken", out var special)) return null; // text comes first: no BOS
                var name = Str(special, "id");
                return added.FirstOrDefault(t => t.Content == name)?.Id;
            }
        }
        return null;
    }
}
