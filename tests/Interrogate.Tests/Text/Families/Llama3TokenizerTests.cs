using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interrogate.Tensors;
using Interrogate.Text;
using Microsoft.ML.Tokenizers;

namespace Interrogate.Tests.Text.Families;

/// <summary>
/// A Llama 3 style tokenizer.json (Split with the Llama 3 regex, ByteLevel without its own regex,
/// ignore_merges) built from tiktoken's cl100k_base ranks, against Microsoft.ML.Tokenizers'
/// TiktokenTokenizer on the same ranks: Llama 3's pre-tokenizer regex is cl100k_base's, and
/// ignore_merges with merges derived from the ranks is tiktoken's algorithm, so the ids must agree.
/// </summary>
public class Llama3TokenizerTests
{
    private static readonly Lazy<(string Json, int Count)> Cl100kAsTokenizerJson = new(Build);

    private static readonly string[] Texts =
    [
        "Hello world! It's a test: don't we'LL see?",
        "Numbers 1234567 and 3.14159, 2025-01-01.",
        "   leading spaces\n\n\ttabs\r\nand   runs    \n",
        "Ünïcödé naïve café — 日本語のテキスト, Ελληνικά, русский.",
        "emoji 😀👍🏽🎉 mixed🙂text",
        "def f(x):\n    return x**2  # comment\n",
    ];

    [Fact]
    public void Encode_Cl100kAsLlama3Json_MatchesTiktoken()
    {
        using var dir = new TempDir();
        var (json, _) = Cl100kAsTokenizerJson.Value;
        var ours = TokenizerJson.Load(dir.File("tokenizer.json", json));
        var tiktoken = TiktokenTokenizer.CreateForModel("gpt-4");
        var rng = new TensorRandom(5);
        var texts = Texts.Concat(Enumerable.Range(0, 60).Select(_ => RandomText(rng))).ToList();
        foreach (var text in texts)
        {
            var expected = tiktoken.EncodeToIds(text).ToArray();
            Assert.Equal(expected, ours.Encode(text));
            Assert.Equal(text, ours.Decode(expected));
        }
    }

    private static string RandomText(TensorRandom rng)
    {
        string[] pool = ["the", " cat", "'s", "'Ve", " 42", "1234", "!", "?!", " ", "  ", "\n", "\r\n", "\t", "é", "日本", "😀", " (x)", "=>", "Ж", "—", "0.5", "\u00A0"];
        var sb = new StringBuilder();
        int n = 1 + rng.NextInt(25);
        for (int i = 0; i < n; i++) sb.Append(pool[rng.NextInt(pool.Length)]);
        return sb.ToString();
    }

    /// <summary>
    /// Reads cl100k_base.tiktoken (base64 tokens in rank order) from the data package and writes it as Hugging Face
    /// does when converting tiktoken files: vocab in the byte-to-character alphabet, and for each token the
    /// merge that BPE restricted to lower ranks ends with.
    /// </summary>
    private static (string, int) Build()
    {
        var assembly = Assembly.Load("Microsoft.ML.Tokenizers.Data.Cl100kBase");
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("cl100k_base.tiktoken.deflate", StringComparison.Ordinal));
        using var stream = new DeflateStream(assembly.GetManifestResourceStream(resource)!, CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);   // latin-1 string of the token's bytes → rank
        var byRank = new List<string>();
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            var parts = line.Split(' ');
            if (parts[0] == "Capacity:") continue;   // the package's header line
            // "token rank" as tiktoken writes it, or "token" alone with the rank implied by the order (the package's form).
            var token = Encoding.Latin1.GetString(Convert.FromBase64String(parts[0]));
            int rank = parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : ranks.Count;
            ranks[token] = rank;
            while (byRank.Count <= rank) byRank.Add("");
            byRank[rank] = token;
        }
        string Chars(string latin1) => string.Concat(latin1.Select(c => ByteLevel.ByteToChar[c]));
        var vocab = new JsonObject();
        var merges = new JsonArray();
        for (int rank = 0; rank < byRank.Count; rank++)
        {
            var token = byRank[rank];
            vocab[Chars(token)] = rank;
            if (token.Length < 2) continue;
            var parts = token.Select(c => c.ToString()).ToList();
            while (true)
            {
                int best = -1, bestRank = rank;
                for (int i = 0; i + 1 < parts.Count; i++)
                    if (ranks.TryGetValue(parts[i] + parts[i + 1], out var r) && r < bestRank) (best, bestRank) = (i, r);
                if (best < 0) break;
                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }
            if (parts.Count == 2) merges.Add(new JsonArray(Chars(parts[0]), Chars(parts[1])));
        }
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(new JsonObject { ["id"] = byRank.Count, ["content"] = "<|begin_of_text|>", ["special"] = true }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = JsonNode.Parse($$"""
                {"type":"Sequence","pretokenizers":[
                  {"type":"Split","pattern":{"Regex":{{JsonSerializer.Serialize(SplitPreTokenizer.Llama3Pattern)}}},"behavior":"Isolated","invert":false},
                  {"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":false}]}
                """),
            ["decoder"] = JsonNode.Parse("""{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true}"""),
            ["model"] = new JsonObject { ["type"] = "BPE", ["ignore_merges"] = true, ["vocab"] = vocab, ["merges"] = merges },
        };
        return (root.ToJsonString(), byRank.Count);
    }
}
