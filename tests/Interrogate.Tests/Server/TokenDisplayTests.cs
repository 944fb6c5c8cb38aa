using Interrogate.Server;
using Interrogate.Text;

namespace Interrogate.Tests.Server;

public sealed class TokenDisplayTests
{
    private static readonly ITokenizer Shipped = TokenizerLoader.FromDirectory(ViewerFixture.ShippedModel());

    [Theory]
    [InlineData("—")]
    [InlineData("é")]
    [InlineData("€")]
    public void Render_ByteTokensOfOneCharacter_ShownAsThatCharacterOnce(string character)
    {
        var ids = Shipped.Encode(character);
        var (text, raw) = TokenDisplay.Render(Shipped, ids);
        Assert.Equal(character, string.Concat(text));
        Assert.Equal(character, text[0]);
        Assert.All(text.Skip(1), t => Assert.Equal("", t));
        Assert.Equal(ids.Length, raw.Length);
    }

    [Fact]
    public void Render_PlainWords_Unchanged()
    {
        var ids = Shipped.Encode("The President of the United");
        var (text, _) = TokenDisplay.Render(Shipped, ids);
        Assert.Equal("The President of the United", string.Concat(text));
        Assert.Equal(" President", text[2]);
    }

    [Fact]
    public void Render_ACutCharacter_KeepsTheByteNames()
    {
        var ids = Shipped.Encode("—");
        if (ids.Length < 2) return;   // the vocabulary merged it; nothing to cut
        var (text, _) = TokenDisplay.Render(Shipped, ids[..1]);
        Assert.StartsWith("<0x", text[0], StringComparison.Ordinal);
    }
}
