using System.Text;
using System.Text.RegularExpressions;
using Interrogate.Tensors;
using Interrogate.Text;

namespace Interrogate.Tests.Text.Families;

/// <summary>
/// The hand-written Llama 3 / Qwen 2 splitter against .NET's regex engine running the very pattern
/// from tokenizer.json, on random text whose letters and digits lie in the BMP (where the two engines
/// agree on \p{L} and \p{N}); and on letters outside it, where the code-point reading is asserted.
/// </summary>
public class SplitPreTokenizerTests
{
    // Letters (ASCII, accented, Greek, CJK), digits (ASCII, Arabic-Indic, ½), spaces of every kind, punctuation and
    // apostrophes for contractions. No characters outside the BMP: .NET reads them as two surrogates (see the examples).
    private static readonly string[] Pool =
    [
        "a", "b", "Z", "s", "t", "e", "ll", "LL", "re", "Ve", "é", "ß", "λ", "Ж", "日", "本", "ー", "1", "2", "9", "٣", "½",
        " ", " ", " ", "  ", "\t", "\n", "\r\n", "\n\n", "\u00A0", "\u3000", "\u2028", "\u0085", "\uFEFF",
        "'", "'", ".", ",", "!", "?", "-", "(", ")", "\"", "#", "{", "}", "→",
    ];

    private static string RandomText(TensorRandom rng, int pieces)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pieces; i++) sb.Append(Pool[rng.NextInt(Pool.Length)]);
        return sb.ToString();
    }

    [Theory]
    [InlineData(SplitPreTokenizer.Llama3Pattern)]
    [InlineData(SplitPreTokenizer.Qwen2Pattern)]
    public void Split_RandomBmpText_MatchesRegexEngine(string pattern)
    {
        var splitter = SplitPreTokenizer.ForPattern(pattern)!;
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var rng = new TensorRandom(14);
        for (int n = 0; n < 400; n++)
        {
            var text = RandomText(rng, 1 + rng.NextInt(30));
            var expected = regex.Matches(text).Select(m => m.Value).ToArray();
            var pieces = new List<(int Start, int Length)>();
            splitter.Split(text, 0, text.Length, pieces);
            Assert.Equal(expected, pieces.Select(p => text.Substring(p.Start, p.Length)).ToArray());
        }
    }

    [Fact]
    public void Split_Examples_AsTheModelsSplitThem()
    {
        var llama3 = SplitPreTokenizer.ForPattern(SplitPreTokenizer.Llama3Pattern)!;
        var qwen2 = SplitPreTokenizer.ForPattern(SplitPreTokenizer.Qwen2Pattern)!;
        Assert.Equal(["I", "'LL", " pay", " ", "123", "456", "7", "!!\n\n", "  ", " ok"], Pieces(llama3, "I'LL pay 1234567!!\n\n   ok"));
        Assert.Equal(["x", "=", "1", "2", "3"], Pieces(qwen2, "x=123"));
        // Code points, not UTF-16 units: letters outside the BMP are letters, and an emoji is one optional
        // "other" character before a word (where .NET's regex would split "😀" from "λ").
        Assert.Equal(["𝐀𝐁c", " 𝐃"], Pieces(llama3, "𝐀𝐁c 𝐃"));
        Assert.Equal(["😀λ", " 👍🏽!"], Pieces(llama3, "😀λ 👍🏽!"));
    }

    [Fact]
    public void ForPattern_UnknownRegex_IsNull() => Assert.Null(SplitPreTokenizer.ForPattern(@"\s+"));

    private static string[] Pieces(SplitPreTokenizer splitter, string text)
    {
        var pieces = new List<(int Start, int Length)>();
        splitter.Split(text, 0, text.Length, pieces);
        return [.. pieces.Select(p => text.Substring(p.Start, p.Length))];
    }
}
