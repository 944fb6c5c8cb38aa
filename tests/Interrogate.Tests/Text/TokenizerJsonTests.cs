using Interrogate.Text;
using static Interrogate.Tests.Text.TokenizerJsonFixtures;

namespace Interrogate.Tests.Text;

public class TokenizerJsonTests
{
    private static BpeTokenizer Load(string json)
    {
        using var dir = new TempDir();
        return TokenizerJson.Load(dir.File("tokenizer.json", json));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void SentencePiece_Words_MergeByRank(bool metaspace, bool pairMerges)
    {
        var tok = Load(Llama(metaspace, pairMerges: pairMerges));
        Assert.Equal([Hello, World], tok.Encode("hello world"));
        Assert.Equal([Hello, Space, World], tok.Encode("hello  world"));
        Assert.Equal([Hello], tok.Encode("hello"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SentencePiece_UnknownCharacter_FallsBackToUtf8Bytes(bool metaspace)
    {
        var tok = Load(Llama(metaspace));
        var ids = tok.Encode("hello ü😀");
        Assert.Equal([Hello, Space, ByteId(0xC3), ByteId(0xBC), ByteId(0xF0), ByteId(0x9F), ByteId(0x98), ByteId(0x80)], ids);
        Assert.Equal("hello ü😀", tok.Decode(ids));
    }

    [Fact]
    public void SentencePiece_NoByteFallback_FusesUnknownsIntoOneUnk()
    {
        var tok = Load(Llama(byteFallback: false));
        Assert.Equal([Hello, Space, Unk], tok.Encode("hello üü"));
    }

    [Fact]
    public void SentencePiece_SpecialTokensInText_MatchedLiterallyAndDecodedAsWritten()
    {
        var tok = Load(Llama());
        var ids = tok.Encode("<s>hello</s>");
        Assert.Equal([Bos, Hello, Eos], ids);
        Assert.Equal("<s> hello</s>", tok.Decode(ids)); // as Hugging Face decodes it: the ▁ after <s> is a space
        Assert.Equal((1, 2, (int?)null), (tok.BosId, tok.EosId, tok.PadId));
    }

    [Fact]
    public void SentencePiece_Decode_StripsOneLeadingSpaceAndShowsTokens()
    {
        var tok = Load(Llama());
        Assert.Equal("hello world", tok.Decode([Hello, World]));
        Assert.Equal(" world", tok.TokenText(World));
        Assert.Equal("▁world", tok.TokenString(World));
        Assert.Equal("<0xC3>", tok.TokenText(ByteId(0xC3)));
        Assert.Equal("\n", tok.TokenText(ByteId(0x0A)));
        Assert.Equal(277, tok.VocabSize);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ByteLevel_StringOrPairMerges_SameIds(bool pairMerges)
    {
        var tok = Load(ByteLevel(pairMerges));
        // "the" has no "t he" merge without the space (t, he = 257); " the" merges all the way (Ġthe = 258).
        Assert.Equal(['t', 257, 258, 259], tok.Encode("the the<|endoftext|>"));
        Assert.Equal("the the<|endoftext|>", tok.Decode(tok.Encode("the the<|endoftext|>")));
        Assert.Equal(259, tok.EosId);
    }

    [Fact]
    public void ByteLevel_WriteThenLoad_SameTokenizer()
    {
        using var dir = new TempDir();
        var original = TokenizerJson.Load(dir.File("in.json", ByteLevel()));
        var path = dir.File("out.json");
        TokenizerJson.Write(original, path);
        var reloaded = TokenizerJson.Load(path);
        const string text = "the theme of the 𝐀 thesis\n";
        Assert.Equal(original.Encode(text), reloaded.Encode(text));
        Assert.Equal(original.VocabSize, reloaded.VocabSize);
        Assert.Equal(original.Model.MergeCount, reloaded.Model.MergeCount);
    }

    [RequiresNodeFact]
    public void Gpt2_ConvertedToTokenizerJson_SameIdsOnMobyDick()
    {
        using var dir = new TempDir();
        var path = dir.File("tokenizer.json");
        TokenizerJson.Write(TextFixtures.Gpt2, path);
        var converted = TokenizerLoader.FromDirectory(dir.Path);
        foreach (var section in TextFixtures.MobyDick.Concat(TextFixtures.Tricky))
            Assert.Equal(TextFixtures.Gpt2.Encode(section), converted.Encode(section));
        Assert.Equal((50257, 50256, 50256), (converted.VocabSize, converted.BosId, converted.EosId));
    }
}
