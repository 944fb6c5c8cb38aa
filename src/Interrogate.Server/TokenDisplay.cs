using System.Globalization;
using System.Text;
using Interrogate.Text;

namespace Interrogate.Server;

/// <summary>
/// Tokens as a reader should see them. Byte tokens ("&lt;0xC3&gt;&lt;0xA9&gt;") that together spell one
/// character are shown as that character on the first of them, the rest as empty continuations;
/// a lone printable byte is shown as its character. The raw vocabulary string goes beside it for hover.
/// </summary>
public static class TokenDisplay
{
    /// <summary>Display text [n] and raw vocabulary strings [n] of <paramref name="ids"/>.</summary>
    public static (string[] Text, string[] Raw) Render(ITokenizer tokenizer, ReadOnlySpan<int> ids)
    {
        var text = new string[ids.Length];
        var raw = new string[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            raw[i] = tokenizer.TokenString(ids[i]) ?? $"<{ids[i]}>";
            text[i] = tokenizer.TokenText(ids[i]);
        }
        for (int i = 0; i < ids.Length;)
        {
            if (ByteOf(text[i]) is not byte first) { i++; continue; }
            int need = first < 0x80 ? 1 : first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1;
            var bytes = new List<byte> { first };
            int j = i + 1;
            while (bytes.Count < need && j < ids.Length && ByteOf(text[j]) is byte next && (next & 0xC0) == 0x80) { bytes.Add(next); j++; }
            if (bytes.Count == need && TryDecode([.. bytes]) is { } character)
            {
                text[i] = character;
                for (int k = i + 1; k < j; k++) text[k] = "";
            }
            i = j;
        }
        return (text, raw);
    }

    /// <summary>One token shown alone (a list of candidates, not a text): a lone byte that is a character by itself is shown as it.</summary>
    public static string One(ITokenizer tokenizer, int id)
    {
        var text = tokenizer.TokenText(id);
        return ByteOf(text) is byte b && b < 0x80 && TryDecode([b]) is { } c ? c : text;
    }

    /// <summary>The byte a "&lt;0xXX&gt;" token stands for, else null.</summary>
    private static byte? ByteOf(string token) =>
        token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
        && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b) ? b : null;

    private static string? TryDecode(byte[] bytes)
    {
        try
        {
            var s = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return s.Length > 0 && !char.IsControl(s[0]) ? s : null;
        }
        catch (DecoderFallbackException) { return null; }
    }
}
