namespace Interrogate.Formats;

internal static class MessageText
{
    /// <summary>
    /// Shortens text taken from a file and escapes control characters, so that a hostile
    /// name cannot make a one-line error message long or multi-line.
    /// </summary>
    public static string Printable(string text, int maxLength = 80)
    {
        var cut = text.Length > maxLength ? text[..maxLength] + "…" : text;
        if (!cut.Any(char.IsControl)) return cut;
        var sb = new System.Text.StringBuilder(cut.Length + 8);
        foreach (var c in cut) sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return sb.ToString();
    }
}
