namespace Interrogate.Text;

/// <summary>A token matched literally in the text before BPE runs (<c>&lt;s&gt;</c>, <c>&lt;|endoftext|&gt;</c>).</summary>
public sealed record AddedToken(int Id, string Content, bool Special);

/// <summary>Cuts text at literal occurrences of added tokens; the leftmost match wins, the longest among those starting together.</summary>
internal sealed class AddedTokenSplitter
{
    private readonly AddedToken[] _tokens;

    public AddedTokenSplitter(IEnumerable<AddedToken> tokens) =>
        _tokens = tokens.Where(t => t.Content.Length > 0).OrderByDescending(t => t.Content.Length).ToArray();

    /// <summary>
    /// Calls <paramref name="onText"/> for each stretch of ordinary text (start, end) and
    /// <paramref name="onToken"/> for each added token found, in order.
    /// </summary>
    public void Split(string text, Action<int, int> onText, Action<AddedToken> onToken)
    {
        if (_tokens.Length == 0) { if (text.Length > 0) onText(0, text.Length); return; }
        // Next occurrence of each token at or after the cursor; recomputed only once passed, so O(n·k) in all.
        var next = new int[_tokens.Length];
        for (var k = 0; k < next.Length; k++) next[k] = text.IndexOf(_tokens[k].Content, StringComparison.Ordinal);
        var cursor = 0;
        while (true)
        {
            var best = -1;
            for (var k = 0; k < next.Length; k++)
            {
                if (next[k] >= 0 && next[k] < cursor) next[k] = text.IndexOf(_tokens[k].Content, cursor, StringComparison.Ordinal);
                if (next[k] >= 0 && (best < 0 || next[k] < next[best])) best = k; // sorted longest first, so ties keep the longest
            }
            if (best < 0) break;
            if (next[best] > cursor) onText(cursor, next[best]);
            onToken(_tokens[best]);
            cursor = next[best] + _tokens[best].Content.Length;
        }
        if (cursor < text.Length) onText(cursor, text.Length);
    }
}
