using Interrogate.Analysis.Explanation;

namespace Interrogate.Tests.Analysis.Explanation;

public sealed class TokenFactsTests
{
    private static readonly TokenFacts Facts = new(new WordTokenizer());

    private static int[] Ids(params string[] words) => [.. words.Select(WordTokenizer.Id)];

    [Fact]
    public void Describe_Sentence_ClassesAndContexts()
    {
        var p = Facts.Describe(Ids(" the", ".", " The", "\"", " we", " 1990", "\"", ",", " (", " tax", ")", " our"));
        Assert.Equal(TokenClass.Lowercase | TokenClass.WordStart, p[0].Class);
        Assert.Equal(-1, p[0].Previous);
        Assert.Equal(TokenClass.Punctuation, p[1].Class);
        Assert.Equal(TokenClass.Capitalized | TokenClass.WordStart, p[2].Class);
        Assert.Equal(TokenContext.AfterSentenceEnd, p[2].Context);
        Assert.Equal(TokenContext.InsideQuotes, p[4].Context);
        Assert.Equal(TokenClass.Digit | TokenClass.WordStart, p[5].Class);
        Assert.Equal(TokenContext.InsideQuotes, p[6].Context);   // the closing quote itself is still inside
        Assert.Equal(TokenContext.None, p[7].Context);
        Assert.Equal(TokenContext.AfterComma, p[8].Context);
        Assert.Equal(TokenContext.InsideParentheses, p[9].Context);
        Assert.Equal(TokenContext.None, p[11].Context);
    }

    [Fact]
    public void Describe_Windows_RestartContextAtEachWindow()
    {
        var p = Facts.Describe(Ids("\"", " we", ".", " The"), windowLength: 2);
        Assert.Equal(TokenContext.InsideQuotes, p[1].Context);
        Assert.Equal(-1, p[2].Previous);
        Assert.Equal(TokenContext.None, p[2].Context);
        Assert.Equal(TokenContext.AfterSentenceEnd, p[3].Context);
    }
}
