using System.Diagnostics;
using System.Text;
using Interrogate.Text;
using Xunit.Abstractions;

namespace Interrogate.Tests.Text;

public class Gpt2BpeTests(ITestOutputHelper output)
{
    [RequiresNodeFact]
    public void Encode_MobyDick_MatchesJsReferenceExactly()
    {
        var book = TextFixtures.MobyDick;
        var expected = TextFixtures.JsEncode(book);
        var total = 0;
        for (var i = 0; i < book.Length; i++)
        {
            var actual = TextFixtures.Gpt2.Encode(book[i]);
            Assert.True(expected[i].SequenceEqual(actual), $"section {i}: first difference at token {FirstDifference(expected[i], actual)}");
            total += actual.Length;
        }
        Assert.True(book.Length > 130, $"only {book.Length} sections");
        Assert.InRange(total, 250_000, 350_000);
    }

    [RequiresNodeFact]
    public void Encode_TrickyStrings_MatchesJsReferenceExactly()
    {
        var expected = TextFixtures.JsEncode(TextFixtures.Tricky);
        for (var i = 0; i < TextFixtures.Tricky.Length; i++)
            Assert.Equal(expected[i], TextFixtures.Gpt2.Encode(TextFixtures.Tricky[i]));
    }

    [RequiresNodeFact]
    public void EncodeDecode_MobyDickAndTrickyStrings_RoundTripByteForByte()
    {
        foreach (var text in TextFixtures.MobyDick.Concat(TextFixtures.Tricky))
        {
            var ids = TextFixtures.Gpt2.Encode(text);
            Assert.Equal(Encoding.UTF8.GetBytes(text), TextFixtures.Gpt2.DecodeBytes(ids));
            Assert.Equal(text, TextFixtures.Gpt2.Decode(ids));
        }
    }

    [RequiresNodeFact]
    public void Encode_KnownSentence_GivesGpt2Ids()
    {
        // Ids as GPT-2 (tiktoken "gpt2") gives them.
        Assert.Equal([15496, 995], TextFixtures.Gpt2.Encode("Hello world"));
        Assert.Equal(50257, TextFixtures.Gpt2.VocabSize);
        Assert.Equal(50256, TextFixtures.Gpt2.EosId);
        Assert.Equal(50256, TextFixtures.Gpt2.BosId);
        Assert.Null(TextFixtures.Gpt2.PadId);
    }

    [RequiresNodeFact]
    public void Encode_EndOfTextWrittenInText_IsOneSpecialToken()
    {
        var ids = TextFixtures.Gpt2.Encode("Hello<|endoftext|> world");
        Assert.Equal([15496, 50256, 995], ids);
        Assert.Equal("Hello<|endoftext|> world", TextFixtures.Gpt2.Decode(ids));
    }

    [RequiresNodeFact]
    public void TokenText_ByteLevelTokens_ShowsDecodedTextOrBytes()
    {
        var gpt2 = TextFixtures.Gpt2;
        Assert.Equal(" world", gpt2.TokenText(995));
        Assert.Equal("Ġworld", gpt2.TokenString(995));
        Assert.Equal(995, gpt2.TokenId("Ġworld"));
        Assert.Equal("<|endoftext|>", gpt2.TokenText(50256));
        var firstEmojiToken = gpt2.Encode("👍")[0]; // 4 UTF-8 bytes, split across tokens
        Assert.StartsWith("<0xF0>", gpt2.TokenText(firstEmojiToken));
    }

    [RequiresNodeFact]
    public void Encode_MobyDick_IsFast()
    {
        var text = string.Join("\n\n", TextFixtures.MobyDick);
        var fresh = Gpt2Files.Load(Path.Combine(TextFixtures.EncoderDirectory, "encoder.json"), Path.Combine(TextFixtures.EncoderDirectory, "vocab.bpe"));
        var watch = Stopwatch.StartNew();
        var cold = fresh.Encode(text);
        var coldSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var warm = fresh.Encode(text);
        var warmSeconds = watch.Elapsed.TotalSeconds;
        output.WriteLine($"Moby Dick: {text.Length:N0} chars, {cold.Length:N0} tokens; cold {coldSeconds:F3}s ({cold.Length / coldSeconds:N0} tokens/s), warm cache {warmSeconds:F3}s ({warm.Length / warmSeconds:N0} tokens/s)");
        Assert.Equal(cold, warm);
        Assert.True(coldSeconds < 3, $"cold encode took {coldSeconds:F2}s");
    }

    [Fact]
    public void PreTokenizer_MixedText_SplitsAsGpt2Regex()
    {
        var text = "Hello  world's 𝐀x 12ab\n\n end  ";
        var pieces = new List<(int Start, int Length)>();
        Gpt2PreTokenizer.Split(text, 0, text.Length, pieces);
        var strings = pieces.Select(p => text.Substring(p.Start, p.Length)).ToArray();
        Assert.Equal(["Hello", " ", " world", "'s", " 𝐀x", " 12", "ab", "\n\n", " end", "  "], strings);
    }

    [Fact]
    public void PreTokenizer_AstralLetterAndOddSpaces_DifferFromDotNetRegexAsJavaScriptDoes()
    {
        // Why the pre-tokenizer is hand-written: .NET's Regex sees 𝐀 as two surrogates (not \p{L}),
        // and its \s takes U+0085 but not U+FEFF; JavaScript's /u regex, the reference, does the opposite.
        var regex = new System.Text.RegularExpressions.Regex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+");
        string[] Ours(string t)
        {
            var pieces = new List<(int Start, int Length)>();
            Gpt2PreTokenizer.Split(t, 0, t.Length, pieces);
            return pieces.Select(p => t.Substring(p.Start, p.Length)).ToArray();
        }
        Assert.Equal(["abc", "𝐀", "def"], regex.Matches("abc𝐀def").Select(m => m.Value));
        Assert.Equal(["abc𝐀def"], Ours("abc𝐀def"));
        Assert.Equal(["x", " ", "\u0085", "y"], regex.Matches("x \u0085y").Select(m => m.Value));
        Assert.Equal(["x", " \u0085", "y"], Ours("x \u0085y"));
        Assert.Equal(["x", " \uFEFF", "y"], regex.Matches("x \uFEFFy").Select(m => m.Value));
        Assert.Equal(["x", " ", "\uFEFF", "y"], Ours("x \uFEFFy"));
    }

    private static int FirstDifference(int[] a, int[] b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++) if (a[i] != b[i]) return i;
        return n;
    }
}
