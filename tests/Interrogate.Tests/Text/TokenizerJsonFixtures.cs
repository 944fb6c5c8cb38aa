using System.Text.Json;
using System.Text.Json.Nodes;

namespace Interrogate.Tests.Text;

/// <summary>Small tokenizer.json files written by the tests: a Llama-style (sentencepiece) one and a byte-level one.</summary>
internal static class TokenizerJsonFixtures
{
    // Ids: 0 <unk>, 1 <s>, 2 </s>, 3..258 <0x00>..<0xFF>, then these from 259 on.
    public static readonly string[] LlamaPieces = ["▁", "h", "e", "l", "o", "w", "r", "d", "▁h", "ll", "▁he", "llo", "▁hello", "▁w", "or", "▁wor", "ld", "▁world"];
    public static readonly string[] LlamaMerges = ["▁ h", "l l", "▁h e", "ll o", "▁he llo", "▁ w", "o r", "▁w or", "l d", "▁wor ld"];
    public const int Hello = 271, World = 276, Space = 259, Unk = 0, Bos = 1, Eos = 2;

    public static int ByteId(byte b) => 3 + b;

    /// <param name="metaspace">Use the older Metaspace pre-tokenizer/decoder instead of the Prepend/Replace normalizer and Strip decoder.</param>
    public static string Llama(bool metaspace = false, bool byteFallback = true, bool pairMerges = false)
    {
        var vocab = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (var b = 0; b < 256; b++) vocab[$"<0x{b:X2}>"] = 3 + b;
        for (var i = 0; i < LlamaPieces.Length; i++) vocab[LlamaPieces[i]] = 259 + i;
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(Added(0, "<unk>"), Added(1, "<s>"), Added(2, "</s>")),
            ["normalizer"] = metaspace ? null : Parse("""
                {"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]}
                """),
            ["pre_tokenizer"] = metaspace ? Parse("""{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":true}""") : null,
            ["post_processor"] = Parse("""
                {"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],"pair":[],"special_tokens":{}}
                """),
            ["decoder"] = metaspace ? Parse("""{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":true}""") : Parse("""
                {"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]}
                """),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["unk_token"] = "<unk>",
                ["fuse_unk"] = true,
                ["byte_fallback"] = byteFallback,
                ["vocab"] = vocab,
                ["merges"] = Merges(LlamaMerges, pairMerges),
            },
        };
        return root.ToJsonString();
    }

    // Byte-level: the 256 byte characters (ids in byte order), then these.
    public static readonly string[] ByteLevelPieces = ["Ġt", "he", "Ġthe", "<|endoftext|>"];
    public static readonly string[] ByteLevelMerges = ["Ġ t", "h e", "Ġt he"];

    public static string ByteLevel(bool pairMerges = false)
    {
        var vocab = new JsonObject();
        for (var b = 0; b < 256; b++) vocab[Interrogate.Text.ByteLevel.ByteToChar[b].ToString()] = b;
        for (var i = 0; i < ByteLevelPieces.Length; i++) vocab[ByteLevelPieces[i]] = 256 + i;
        var byteLevel = Parse("""{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true}""");
        var root = new JsonObject
        {
            ["added_tokens"] = new JsonArray(Added(259, "<|endoftext|>")),
            ["normalizer"] = null,
            ["pre_tokenizer"] = byteLevel,
            ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = Merges(ByteLevelMerges, pairMerges) },
        };
        return root.ToJsonString();
    }

    private static JsonArray Merges(string[] merges, bool pairs) =>
        new(merges.Select(m => pairs ? (JsonNode)new JsonArray(m.Split(' ')[0], m.Split(' ')[1]) : JsonValue.Create(m)!).ToArray());

    private static JsonObject Added(int id, string content) => new()
    {
        ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
    };

    private static JsonNode Parse(string json) => JsonNode.Parse(json)!;
}

/// <summary>A temporary directory removed at the end of a test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("interrogate-text-").FullName;
    public string File(string name, string? content = null)
    {
        var path = System.IO.Path.Combine(Path, name);
        if (content is not null) System.IO.File.WriteAllText(path, content);
        return path;
    }
    public void Dispose() => Directory.Delete(Path, recursive: true);
}
