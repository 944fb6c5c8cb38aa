namespace Interrogate.Analysis.Explanation;

/// <summary>
/// One named context rule of an explanation: a conjunction of conditions on a token position (the
/// previous id, classes it has, contexts it stands in; unset conditions always hold) and how much the
/// neuron's activation rises (or falls) there beyond the token's own mean, as fitted on the
/// explanation's own text.
/// </summary>
/// <param name="Description">The words the explanation uses for it: "capitalized words after '.', '!' or '?'".</param>
/// <param name="Weight">Added to the token's own mean where the rule holds (activation units; ridge-shrunk).</param>
/// <param name="Count">Positions of the explanation's text where it holds.</param>
/// <param name="MeanActivation">The neuron's mean activation at those positions.</param>
/// <param name="PreviousToken">Holds only right after this token id.</param>
/// <param name="Class">Holds only at tokens with all these classes.</param>
/// <param name="Context">Holds only at tokens in all these contexts.</param>
public sealed record ExplanationFeature(string Description, double Weight, int Count, double MeanActivation,
    int? PreviousToken = null, TokenClass Class = TokenClass.None, TokenContext Context = TokenContext.None)
{
    /// <summary>"previous-token", "class", "context" or "class-in-context".</summary>
    public string Kind => PreviousToken is not null ? "previous-token"
        : Class != TokenClass.None && Context != TokenContext.None ? "class-in-context"
        : Class != TokenClass.None ? "class" : "context";

    public bool Matches(in TokenPosition p) =>
        (PreviousToken is not int q || p.Previous == q)
        && (p.Class & Class) == Class && (p.Context & Context) == Context;

    /// <summary>Words for a class: "capitalized words".</summary>
    public static string Describe(TokenClass c) => c switch
    {
        TokenClass.Capitalized => "capitalized words",
        TokenClass.Lowercase => "lowercase words",
        TokenClass.Digit => "numbers",
        TokenClass.Punctuation => "punctuation",
        TokenClass.WordStart => "word starts",
        TokenClass.Newline => "line breaks",
        _ => c.ToString(),
    };

    /// <summary>Words for a context: "after '.', '!' or '?'".</summary>
    public static string Describe(TokenContext c) => c switch
    {
        TokenContext.AfterSentenceEnd => "after '.', '!' or '?'",
        TokenContext.AfterNewline => "after a line break",
        TokenContext.AfterComma => "after ','",
        TokenContext.InsideQuotes => "inside quotes",
        TokenContext.InsideParentheses => "inside parentheses",
        _ => c.ToString(),
    };

    /// <summary>A token's text quoted for prose, with line breaks shown as \n: "' The'".</summary>
    public static string Quote(string tokenText) => "'" + tokenText.Replace("\n", "\\n", StringComparison.Ordinal) + "'";
}
