using Interrogate.Text;

namespace Interrogate.Analysis.Explanation;

/// <summary>What a token is, read from its text alone (several may hold at once).</summary>
[Flags]
public enum TokenClass
{
    None = 0,
    /// <summary>First letter (after leading spaces) is upper case: " The", "We".</summary>
    Capitalized = 1,
    /// <summary>First letter is lower case: " the", "ing".</summary>
    Lowercase = 2,
    /// <summary>Contains a digit: " 1990", "5".</summary>
    Digit = 4,
    /// <summary>Only punctuation or symbols after leading spaces: ".", " (", ",\"".</summary>
    Punctuation = 8,
    /// <summary>Starts with a space and then text: the first piece of a word.</summary>
    WordStart = 16,
    /// <summary>Contains a line break.</summary>
    Newline = 32,
}

/// <summary>Where a token stands, read from the tokens before it in its window.</summary>
[Flags]
public enum TokenContext
{
    None = 0,
    /// <summary>The previous token ends a sentence: '.', '!' or '?' (closing quotes and brackets skipped).</summary>
    AfterSentenceEnd = 1,
    /// <summary>The previous token contains a line break.</summary>
    AfterNewline = 2,
    /// <summary>The previous token ends with ','.</summary>
    AfterComma = 4,
    /// <summary>An odd number of quote marks ('"', '“', '”') came earlier in the window.</summary>
    InsideQuotes = 8,
    /// <summary>More '(' than ')' came earlier in the window.</summary>
    InsideParentheses = 16,
}

/// <summary>The facts of one token position: its id, the previous id (−1 at a window start), its class and context.</summary>
public readonly record struct TokenPosition(int Token, int Previous, TokenClass Class, TokenContext Context);

/// <summary>
/// Reads token classes and contexts off a tokenizer's vocabulary once (a table over every id), so
/// explanations are built and simulated from ids alone, with the same facts on training and held-out text.
/// </summary>
public sealed class TokenFacts
{
    private readonly TokenClass[] classes;         // [vocab]
    private readonly string[] texts;               // [vocab], readable token text
    private readonly sbyte[] quoteDelta, parenDelta;   // [vocab]: change of quote parity / bracket depth

    public TokenFacts(ITokenizer tokenizer)
    {
        int n = tokenizer.VocabSize;
        classes = new TokenClass[n];
        texts = new string[n];
        quoteDelta = new sbyte[n];
        parenDelta = new sbyte[n];
        for (int id = 0; id < n; id++)
        {
            string text = tokenizer.TokenText(id);
            texts[id] = text;
            classes[id] = Classify(text);
            quoteDelta[id] = (sbyte)Math.Clamp(text.Count(c => c is '"' or '“' or '”'), 0, 100);
            parenDelta[id] = (sbyte)Math.Clamp(text.Count(c => c == '(') - text.Count(c => c == ')'), -100, 100);
        }
    }

    public int VocabSize => classes.Length;

    /// <summary>Readable text of a token (" The"); "&lt;id N&gt;" for ids outside the vocabulary.</summary>
    public string Text(int id) => (uint)id < (uint)texts.Length ? texts[id] : $"<id {id}>";

    public TokenClass Class(int id) => (uint)id < (uint)classes.Length ? classes[id] : TokenClass.None;

    /// <summary>
    /// The facts at every position of a token run cut into windows of <paramref name="windowLength"/>
    /// (null: one window); contexts restart at each window, as the model saw them.
    /// </summary>
    /// <param name="tokens">[n] token ids in text order.</param>
    /// <param name="windowLength">Tokens per window; null: the whole run is one window.</param>
    /// <returns>[n] one entry per token.</returns>
    public TokenPosition[] Describe(ReadOnlySpan<int> tokens, int? windowLength = null)
    {
        int window = windowLength ?? Math.Max(1, tokens.Length);
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(windowLength), "window length must be at least 1");
        var result = new TokenPosition[tokens.Length];
        int quotes = 0, depth = 0;
        for (int i = 0; i < tokens.Length; i++)
        {
            bool start = i % window == 0;
            if (start) { quotes = 0; depth = 0; }
            int previous = start ? -1 : tokens[i - 1];
            var context = TokenContext.None;
            if (previous >= 0) context |= PreviousContext(Text(previous));
            if (quotes % 2 == 1) context |= TokenContext.InsideQuotes;
            if (depth > 0) context |= TokenContext.InsideParentheses;
            int id = tokens[i];
            if ((uint)id < (uint)classes.Length) { quotes += quoteDelta[id]; depth = Math.Max(0, depth + parenDelta[id]); }
            result[i] = new TokenPosition(id, previous, Class(id), context);
        }
        return result;
    }

    private static TokenClass Classify(string text)
    {
        var c = TokenClass.None;
        var trimmed = text.TrimStart(' ');
        if (text.Contains('\n')) c |= TokenClass.Newline;
        if (trimmed.Length == 0) return c;
        if (text[0] == ' ' && !char.IsWhiteSpace(trimmed[0])) c |= TokenClass.WordStart;
        var firstLetter = trimmed.FirstOrDefault(char.IsLetter);
        if (char.IsUpper(firstLetter) && char.IsLetter(trimmed[0])) c |= TokenClass.Capitalized;
        if (char.IsLower(firstLetter) && char.IsLetter(trimmed[0])) c |= TokenClass.Lowercase;
        if (trimmed.Any(char.IsDigit)) c |= TokenClass.Digit;
        if (trimmed.All(ch => char.IsPunctuation(ch) || char.IsSymbol(ch))) c |= TokenClass.Punctuation;
        return c;
    }

    private static TokenContext PreviousContext(string previous)
    {
        var c = TokenContext.None;
        if (previous.Contains('\n')) c |= TokenContext.AfterNewline;
        var end = previous.TrimEnd().TrimEnd('"', '”', '\'', '’', ')');
        if (end.EndsWith('.') || end.EndsWith('!') || end.EndsWith('?')) c |= TokenContext.AfterSentenceEnd;
        if (previous.TrimEnd().EndsWith(',')) c |= TokenContext.AfterComma;
        return c;
    }
}
