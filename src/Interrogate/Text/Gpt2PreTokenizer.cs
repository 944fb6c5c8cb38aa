using System.Globalization;

namespace Interrogate.Text;

/// <summary>
/// Splits text into the pieces GPT-2's regex
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c> matches,
/// exactly as JavaScript's <c>/…/gu</c> does (the reference encoder). Hand-written rather than a .NET
/// Regex because .NET's classes disagree with JavaScript's: .NET matches UTF-16 units, so a letter
/// outside the BMP (𝐀, 𠀀) is not \p{L}, and .NET's \s includes U+0085 but not U+FEFF.
/// </summary>
public static class Gpt2PreTokenizer
{
    private enum Kind : byte { Other, Letter, Number, Space }

    // Kind of every BMP code unit; surrogates are Other here and resolved as pairs in KindAt.
    private static readonly Kind[] Bmp = BuildBmp();

    private static Kind[] BuildBmp()
    {
        var table = new Kind[65536];
        for (var c = 0; c < table.Length; c++) table[c] = Classify(c);
        return table;
    }

    private static Kind Classify(int codePoint)
    {
        if (IsJsSpace(codePoint)) return Kind.Space;
        if (codePoint is >= 0xD800 and <= 0xDFFF) return Kind.Other; // a lone surrogate is Cs to JavaScript
        return CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }

    // JavaScript's \s: WhiteSpace and LineTerminator of ECMA-262 (no U+0085, but U+FEFF).
    private static bool IsJsSpace(int c) =>
        c is >= 0x09 and <= 0x0D or 0x20 or 0xA0 or 0x1680 or >= 0x2000 and <= 0x200A
            or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 or 0xFEFF;

    /// <summary>The kind of the code point at <paramref name="i"/> and how many UTF-16 units it takes.</summary>
    private static Kind KindAt(string s, int i, int end, out int width)
    {
        var c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < end && char.IsLowSurrogate(s[i + 1]))
        {
            width = 2;
            return Classify(char.ConvertToUtf32(c, s[i + 1]));
        }
        width = 1;
        return Bmp[c];
    }

    /// <summary>Appends (start, length) of each piece of <c>text[start..end]</c> to <paramref name="pieces"/>.</summary>
    public static void Split(string text, int start, int end, List<(int Start, int Length)> pieces)
    {
        var i = start;
        while (i < end)
        {
            var length = MatchAt(text, i, end);
            pieces.Add((i, length));
            i += length;
        }
    }

    /// <summary>Length of the regex's match at <paramref name="i"/>; the alternation always matches something.</summary>
    private static int MatchAt(string s, int i, int end)
    {
        var contraction = ContractionAt(s, i, end);
        if (contraction > 0) return contraction;

        var kind = KindAt(s, i, end, out var width);
        var body = i;
        if (s[i] == ' ' && i + 1 < end)
        {
            // " ?X+": the optional space joins a following run of letters, numbers or others.
            var next = KindAt(s, i + 1, end, out _);
            if (next != Kind.Space) { body = i + 1; kind = next; }
        }
        if (kind != Kind.Space) return RunEnd(s, body, end, kind) - i;

        // \s+(?!\S): the whole space run when it ends the text, else all but its last unit
        // (which then goes with the next word); a single space before a word falls to \s+.
        var runEnd = RunEnd(s, i, end, Kind.Space);
        if (runEnd == end) return runEnd - i;
        return runEnd - i > width ? runEnd - i - 1 : runEnd - i;
    }

    private static int RunEnd(string s, int i, int end, Kind kind)
    {
        while (i < end)
        {
            if (KindAt(s, i, end, out var width) != kind) break;
            i += width;
        }
        return i;
    }

    // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive, as in GPT-2).
    private static int ContractionAt(string s, int i, int end)
    {
        if (s[i] != '\'' || i + 1 >= end) return 0;
        var a = s[i + 1];
        if (a is 's' or 't' or 'm' or 'd') return 2;
        if (i + 2 >= end) return 0;
        var b = s[i + 2];
        return (a, b) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? 3 : 0;
    }
}
