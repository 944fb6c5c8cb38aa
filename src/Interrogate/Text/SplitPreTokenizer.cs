using System.Globalization;
using System.Text;

namespace Interrogate.Text;

/// <summary>
/// A tokenizer.json <c>Split</c> pre-tokenizer (behavior "Isolated") with one of the two regexes
/// today's byte-level models ship, matched by hand on code points as the Rust regex engines do:
/// <code>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</code>
/// (Llama 3, the same as tiktoken's cl100k_base) and the same with <c>\p{N}</c> (Qwen 2: one digit
/// per piece). A .NET Regex would see a letter outside the BMP (𝐀) as two surrogates, not \p{L}.
/// \s is Unicode White_Space (U+0085 yes, U+FEFF no). Other patterns are refused by the loader.
/// </summary>
public sealed class SplitPreTokenizer
{
    /// <summary>The Llama 3 pattern as tokenizer.json writes it.</summary>
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    /// <summary>The Qwen 2 pattern as tokenizer.json writes it.</summary>
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private enum Kind : byte { Other, Letter, Number, Space }

    private SplitPreTokenizer(int maxDigits, string pattern) => (MaxDigits, Pattern) = (maxDigits, pattern);

    /// <summary>Digits per piece: 3 (Llama 3) or 1 (Qwen 2).</summary>
    public int MaxDigits { get; }
    public string Pattern { get; }

    /// <summary>The splitter for a known pattern, or null when the pattern is not one of them.</summary>
    public static SplitPreTokenizer? ForPattern(string pattern) => pattern switch
    {
        Llama3Pattern => new SplitPreTokenizer(3, pattern),
        Qwen2Pattern => new SplitPreTokenizer(1, pattern),
        _ => null,
    };

    /// <summary>Appends (start, length) of each piece of <c>text[start..end]</c>; every unit lands in exactly one piece.</summary>
    public void Split(string text, int start, int end, List<(int Start, int Length)> pieces)
    {
        for (int i = start; i < end;)
        {
            int length = MatchAt(text, i, end);
            pieces.Add((i, length));
            i += length;
        }
    }

    private int MatchAt(string s, int i, int end)
    {
        int contraction = ContractionAt(s, i, end);
        if (contraction > 0) return contraction;
        var kind = KindAt(s, i, end, out int width);
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (kind == Kind.Letter) return RunEnd(s, i, end, Kind.Letter, int.MaxValue) - i;
        if (kind != Kind.Number && s[i] is not ('\r' or '\n') && i + width < end && KindAt(s, i + width, end, out _) == Kind.Letter)
            return RunEnd(s, i + width, end, Kind.Letter, int.MaxValue) - i;
        // \p{N}{1,MaxDigits}
        if (kind == Kind.Number) return RunEnd(s, i, end, Kind.Number, MaxDigits) - i;
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        int body = s[i] == ' ' && i + 1 < end && KindAt(s, i + 1, end, out _) == Kind.Other ? i + 1 : i;
        if (KindAt(s, body, end, out _) == Kind.Other)
        {
            int j = RunEnd(s, body, end, Kind.Other, int.MaxValue);
            while (j < end && s[j] is '\r' or '\n') j++;
            return j - i;
        }
        // Whitespace from here on. \s*[\r\n]+: up to the last \r or \n of the run.
        int runEnd = RunEnd(s, i, end, Kind.Space, int.MaxValue);
        for (int k = runEnd - 1; k >= i; k--)
            if (s[k] is '\r' or '\n') return k + 1 - i;
        // \s+(?!\S): the run when it ends the text, else all but its last character; then \s+.
        if (runEnd == end) return runEnd - i;
        int lastWidth = char.IsLowSurrogate(s[runEnd - 1]) ? 2 : 1;
        return runEnd - i > lastWidth ? runEnd - i - lastWidth : runEnd - i;
    }

    private static int RunEnd(string s, int i, int end, Kind kind, int maxCount)
    {
        for (int n = 0; i < end && n < maxCount; n++)
        {
            if (KindAt(s, i, end, out int width) != kind) break;
            i += width;
        }
        return i;
    }

    // (?i:'s|'t|'re|'ve|'m|'ll|'d), ASCII case folding.
    private static int ContractionAt(string s, int i, int end)
    {
        if (s[i] != '\'' || i + 1 >= end) return 0;
        char a = char.ToLowerInvariant(s[i + 1]);
        if (a is 's' or 't' or 'm' or 'd') return 2;
        if (i + 2 >= end) return 0;
        char b = char.ToLowerInvariant(s[i + 2]);
        return (a, b) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? 3 : 0;
    }

    private static Kind KindAt(string s, int i, int end, out int width)
    {
        int codePoint = s[i];
        width = 1;
        if (char.IsHighSurrogate(s[i]) && i + 1 < end && char.IsLowSurrogate(s[i + 1]))
        {
            codePoint = char.ConvertToUtf32(s[i], s[i + 1]);
            width = 2;
        }
        else if (char.IsSurrogate(s[i])) return Kind.Other;
        if (Rune.IsWhiteSpace(new Rune(codePoint))) return Kind.Space;
        return CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }
}
