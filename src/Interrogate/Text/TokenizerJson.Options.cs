using System.Text.Encodings.Web;
using System.Text.Json;
using Interrogate.IO;

namespace Interrogate.Text;

public static partial class TokenizerJson
{
    private const string Metaspace = "▁";

    /// <summary>Reads normalizer, pre_tokenizer and decoder into <see cref="BpeOptions"/>, refusing the ones not implemented.</summary>
    private static BpeOptions ReadOptions(JsonElement root, JsonElement model, string path)
    {
        var options = new BpeOptions
        {
            ByteFallback = Bool(model, "byte_fallback", false),
            UnkToken = Str(model, "unk_token"),
            IgnoreMerges = Bool(model, "ignore_merges", false),
        };
        var byteLevel = false;
        var sentencePiece = false;
        foreach (var n in Flatten(root, "normalizer", "normalizers"))
        {
            var (type, ok) = (Str(n, "type"), false);
            if (type is "NFC" or "NFD" or "NFKC" or "NFKD")
            {
                var form = type switch
                {
                    "NFC" => System.Text.NormalizationForm.FormC,
                    "NFD" => System.Text.NormalizationForm.FormD,
                    "NFKC" => System.Text.NormalizationForm.FormKC,
                    _ => System.Text.NormalizationForm.FormKD,
                };
                options = options with { Normalization = form };
                continue;
            }
            if (type == "Prepend") ok = Str(n, "prepend") == Metaspace;
            else if (type == "Replace") ok = n.TryGetProperty("pattern", out var p) && Str(p, "String") == " " && Str(n, "content") == Metaspace;
            if (!ok) throw Unsupported(path, "normalizer", n);
            sentencePiece = true;
            if (type == "Prepend") options = options with { AddPrefixSpace = true };
        }
        foreach (var p in Flatten(root, "pre_tokenizer", "pretokenizers"))
        {
            switch (Str(p, "type"))
            {
                case "ByteLevel":
                    byteLevel = true;
                    options = options with { AddPrefixSpace = Bool(p, "add_prefix_space", false), UseRegex = Bool(p, "use_regex", true) };
                    break;
                case "Split":
                    options = options with { Split = ReadSplit(p, path) };
                    break;
                case "Metaspace" when (Str(p, "replacement") ?? Metaspace) == Metaspace:
                    sentencePiece = true;
                    var scheme = Str(p, "prepend_scheme") ?? (Bool(p, "add_prefix_space", true) ? "always" : "never");
                    options = options with
                    {
                        AddPrefixSpace = scheme != "never",
                        PrefixFirstOnly = scheme == "first",
                        SplitOnMetaspace = Bool(p, "split", true),
                    };
                    break;
                default:
                    throw Unsupported(path, "pre_tokenizer", p);
            }
        }
        foreach (var d in Flatten(root, "decoder", "decoders"))
        {
            switch (Str(d, "type"))
            {
                case "ByteLevel": byteLevel = true; break;
                case "Strip": options = options with { StripLeadingSpace = Str(d, "content") == " " && d.TryGetProperty("start", out var s) && s.GetInt32() > 0 }; break;
                case "Metaspace":
                    var scheme = Str(d, "prepend_scheme") ?? (Bool(d, "add_prefix_space", true) ? "always" : "never");
                    options = options with { StripLeadingSpace = scheme != "never" };
                    break;
                case "Replace" or "ByteFallback" or "Fuse": break; // what SentencePiece style decoding does anyway
                default: throw Unsupported(path, "decoder", d);
            }
        }
        if (byteLevel == sentencePiece)
            throw InputException.ForFile(path, byteLevel
                ? "mixes a ByteLevel pre-tokenizer/decoder with \"▁\" normalization; not supported"
                : "neither byte-level (ByteLevel pre_tokenizer) nor sentencepiece-style (\"▁\" normalizer or Metaspace); not supported");
        return options with { Style = byteLevel ? BpeStyle.ByteLevel : BpeStyle.SentencePiece };
    }

    /// <summary>A Split pre-tokenizer: one of the known regexes, behavior Isolated, not inverted; anything else is refused.</summary>
    private static SplitPreTokenizer ReadSplit(JsonElement p, string path)
    {
        var regex = p.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.Object ? Str(pattern, "Regex") : null;
        if ((Str(p, "behavior") ?? "Isolated") != "Isolated" || Bool(p, "invert", false) || regex is null)
            throw Unsupported(path, "pre_tokenizer", p);
        return SplitPreTokenizer.ForPattern(regex) ?? throw InputException.ForFile(path,
            $"Split pre-tokenizer regex '{Formats.MessageText.Printable(regex, 80)}' is not supported (only the Llama 3 and Qwen 2 patterns)");
    }

    /// <summary>The component at <paramref name="name"/>, or the members of a Sequence there; none when null.</summary>
    private static IEnumerable<JsonElement> Flatten(JsonElement root, string name, string listName)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Object) return [];
        if (Str(e, "type") != "Sequence") return [e];
        return e.TryGetProperty(listName, out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList() : [];
    }

    private static InputException Unsupported(string path, string what, JsonElement e)
    {
        var text = e.GetRawText();
        return InputException.ForFile(path, $"{what} {Str(e, "type") ?? "?"} is not supported ({(text.Length > 120 ? text[..120] + "…" : text)})");
    }

    /// <summary>Writes a byte-level (GPT-2 style) tokenizer as tokenizer.json, atomically.</summary>
    public static void Write(BpeTokenizer tokenizer, string path)
    {
        if (tokenizer.Options.Style != BpeStyle.ByteLevel)
            throw new NotSupportedException("only byte-level tokenizers are written; copy a sentencepiece-style tokenizer.json as is");
        AtomicFile.Write(path, stream =>
        {
            // Relaxed escaping keeps "Ġthe" readable, as Hugging Face writes it.
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            foreach (var t in tokenizer.AddedTokens)
            {
                w.WriteStartObject();
                w.WriteNumber("id", t.Id);
                w.WriteString("content", t.Content);
                w.WriteBoolean("single_word", false);
                w.WriteBoolean("lstrip", false);
                w.WriteBoolean("rstrip", false);
                w.WriteBoolean("normalized", !t.Special);
                w.WriteBoolean("special", t.Special);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNull("normalizer");
            WriteByteLevel(w, "pre_tokenizer", tokenizer.Options);
            WriteByteLevel(w, "post_processor", tokenizer.Options);
            WriteByteLevel(w, "decoder", tokenizer.Options);
            WriteModel(w, tokenizer.Model);
            w.WriteEndObject();
        });
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string name, BpeOptions options)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", options.AddPrefixSpace);
        w.WriteBoolean("trim_offsets", true);
        w.WriteBoolean("use_regex", options.UseRegex);
        w.WriteEndObject();
    }

    private static void WriteModel(Utf8JsonWriter w, BpeModel model)
    {
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteStartObject("vocab");
        for (var id = 0; id < model.Count; id++)
            if (!model.Token(id).StartsWith('\u0000')) w.WriteNumber(model.Token(id), id); // skip placeholders for unused ids
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in model.Merges())
        {
            w.WriteStartArray();
            w.WriteStringValue(left);
            w.WriteStringValue(right);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
