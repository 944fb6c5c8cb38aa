using System.Text.RegularExpressions;

namespace Interrogate.Analysis.Concepts;

/// <summary>
/// A concept labels token positions of a document as in (true) or out (false) of it, from the
/// tokens' display texts. Built in: capitalized, next-capitalized, sentence-start, digit,
/// punctuation, inside-quotes; custom ones by a regular expression over the token text, or a labels
/// file (see <see cref="LabelsFile"/>).
/// </summary>
public abstract class Concept
{
    public abstract string Name { get; }

    /// <summary>One label per token; tokens[i] is the decoded text of token i (with its leading space).</summary>
    public abstract bool[] Label(IReadOnlyList<string> tokens);

    public static readonly IReadOnlyList<string> BuiltInNames =
        ["capitalized", "next-capitalized", "sentence-start", "digit", "punctuation", "inside-quotes"];

    /// <summary>A built-in concept by name; an unknown name is an InputException listing the known ones.</summary>
    public static Concept BuiltIn(string name) => name switch
    {
        "capitalized" => new TokenConcept(name, IsCapitalized),
        "digit" => new TokenConcept(name, t => t.Trim().Length > 0 && t.Trim().All(char.IsDigit)),
        "punctuation" => new TokenConcept(name, t => t.Trim().Length > 0 && t.Trim().All(char.IsPunctuation)),
        "next-capitalized" => new NextCapitalized(),
        "sentence-start" => new SentenceStart(),
        "inside-quotes" => new InsideQuotes(),
        _ => throw new InputException($"--concept: unknown concept '{name}' (known: {string.Join(", ", BuiltInNames)}; or use --concept-regex)"),
    };

    /// <summary>A concept true where the token text matches the pattern; a bad pattern is an InputException.</summary>
    public static Concept FromRegex(string pattern)
    {
        try { return new TokenConcept($"regex:{pattern}", new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)).IsMatch); }
        catch (ArgumentException e) { throw new InputException($"--concept-regex: '{pattern}' does not compile ({e.Message.Split('\n')[0]})"); }
    }

    /// <summary>The token's first letter (after leading spaces) is upper case.</summary>
    public static bool IsCapitalized(string token)
    {
        foreach (var c in token)
        {
            if (char.IsWhiteSpace(c)) continue;
            return char.IsLetter(c) && char.IsUpper(c);
        }
        return false;
    }

    private sealed class TokenConcept(string name, Func<string, bool> test) : Concept
    {
        public override string Name => name;
        public override bool[] Label(IReadOnlyList<string> tokens) => [.. tokens.Select(test)];
    }

    private sealed class NextCapitalized : Concept
    {
        public override string Name => "next-capitalized";
        public override bool[] Label(IReadOnlyList<string> tokens) =>
            [.. tokens.Select((_, i) => i + 1 < tokens.Count && IsCapitalized(tokens[i + 1]))];
    }

    /// <summary>The first token with a letter or digit after a sentence end (. ! ?) or at the document start.</summary>
    private sealed class SentenceStart : Concept
    {
        public override string Name => "sentence-start";
        public override bool[] Label(IReadOnlyList<string> tokens)
        {
            var labels = new bool[tokens.Count];
            bool atStart = true;
            for (int i = 0; i < tokens.Count; i++)
            {
                var t = tokens[i];
                if (atStart && t.Any(char.IsLetterOrDigit)) { labels[i] = true; atStart = false; }
                var trimmed = t.TrimEnd();
                if (trimmed.Length > 0 && ".!?".Contains(trimmed[^1])) atStart = true;
            }
            return labels;
        }
    }

    /// <summary>Tokens between an opening and a closing double quote (straight or curly), the quotes excluded.</summary>
    private sealed class InsideQuotes : Concept
    {
        public override string Name => "inside-quotes";
        public override bool[] Label(IReadOnlyList<string> tokens)
        {
            var labels = new bool[tokens.Count];
            bool inside = false;
            for (int i = 0; i < tokens.Count; i++)
            {
                var t = tokens[i];
                int quotes = t.Count(c => c is '"' or '\u201C' or '\u201D');
                if (quotes == 0) { labels[i] = inside; continue; }
                // A token holding a quote flips the state; text after an opening quote in the same token counts as inside.
                bool startsInside = inside;
                if (quotes % 2 == 1) inside = !inside;
                labels[i] = startsInside && inside;
            }
            return labels;
        }
    }
}
