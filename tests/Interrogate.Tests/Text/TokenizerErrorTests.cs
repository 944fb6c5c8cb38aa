using Interrogate.Text;

namespace Interrogate.Tests.Text;

/// <summary>Every user-fixable problem is a one-line <see cref="InputException"/> that names the file.</summary>
public class TokenizerErrorTests
{
    private const string TinyVocab = """{"a": 0, "b": 1, "ab": 2}""";

    private static InputException AssertInputError(Action action, params string[] fragments)
    {
        var e = Assert.Throws<InputException>(action);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
        return e;
    }

    [Fact]
    public void FromDirectory_NoTokenizerFiles_NamesWhatItLookedFor()
    {
        using var dir = new TempDir();
        AssertInputError(() => TokenizerLoader.FromDirectory(dir.Path), dir.Path, "tokenizer.json", "vocab.json", "merges.txt");
    }

    [Fact]
    public void FromDirectory_MissingDirectory_NamesIt()
    {
        using var dir = new TempDir();
        var missing = Path.Combine(dir.Path, "nope");
        AssertInputError(() => TokenizerLoader.FromDirectory(missing), missing, "not found");
    }

    [Fact]
    public void FromDirectory_VocabWithoutMerges_NamesMergesFile()
    {
        using var dir = new TempDir();
        dir.File("vocab.json", TinyVocab);
        AssertInputError(() => TokenizerLoader.FromDirectory(dir.Path), Path.Combine(dir.Path, "merges.txt"), "not found");
    }

    [Fact]
    public void FromDirectory_MergesWithoutVocab_NamesVocabFile()
    {
        using var dir = new TempDir();
        dir.File("merges.txt", "#version: 0.2\na b\n");
        AssertInputError(() => TokenizerLoader.FromDirectory(dir.Path), Path.Combine(dir.Path, "vocab.json"), "not found");
    }

    [Fact]
    public void FromDirectory_BothForms_PrefersTokenizerJson()
    {
        using var dir = new TempDir();
        dir.File("vocab.json", "{ broken");
        dir.File("tokenizer.json", TokenizerJsonFixtures.Llama());
        var tok = TokenizerLoader.FromDirectory(dir.Path);
        Assert.Equal([TokenizerJsonFixtures.Hello], tok.Encode("hello"));
    }

    [Fact]
    public void Gpt2Files_MalformedVocabJson_NamesFileAndLine()
    {
        using var dir = new TempDir();
        var vocab = dir.File("vocab.json", "{\n  \"a\": 0,\n  \"b\": \n}");
        var merges = dir.File("merges.txt", "#version: 0.2\n");
        AssertInputError(() => Gpt2Files.Load(vocab, merges), vocab, "not valid JSON", "line 4");
    }

    [Fact]
    public void Gpt2Files_MergePartNotInVocab_SaysTheyDoNotBelongTogether()
    {
        using var dir = new TempDir();
        var vocab = dir.File("vocab.json", TinyVocab);
        var merges = dir.File("merges.txt", "#version: 0.2\na b\nab c\n");
        AssertInputError(() => Gpt2Files.Load(vocab, merges), vocab, merges, "merge 2", "\"c\"", "not in the vocabulary");
    }

    [Fact]
    public void Gpt2Files_MergedTokenNotInVocab_SaysTheyDoNotBelongTogether()
    {
        using var dir = new TempDir();
        var vocab = dir.File("vocab.json", TinyVocab);
        var merges = dir.File("merges.txt", "#version: 0.2\nb a\n");
        AssertInputError(() => Gpt2Files.Load(vocab, merges), merges, "merge 1", "\"ba\"", "not in the vocabulary");
    }

    [Fact]
    public void Gpt2Files_MergeLineWithThreeParts_NamesLine()
    {
        using var dir = new TempDir();
        var merges = dir.File("merges.txt", "#version: 0.2\na b\na b c\n");
        AssertInputError(() => Gpt2Files.ReadMerges(merges), merges, "line 3", "3 parts");
    }

    [Fact]
    public void Gpt2Files_VocabMissingByteCharacters_SaysWhichIsMissing()
    {
        using var dir = new TempDir();
        var vocab = dir.File("vocab.json", TinyVocab);
        var merges = dir.File("merges.txt", "#version: 0.2\na b\n");
        AssertInputError(() => Gpt2Files.Load(vocab, merges), vocab, "byte token", "missing");
    }

    [Fact]
    public void TokenizerJson_Missing_NamesFile()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "tokenizer.json");
        AssertInputError(() => TokenizerJson.Load(path), path, "not found");
    }

    [Fact]
    public void TokenizerJson_Truncated_NamesFileAsInvalidJson()
    {
        using var dir = new TempDir();
        var json = TokenizerJsonFixtures.Llama();
        var path = dir.File("tokenizer.json", json[..(json.Length / 2)]);
        AssertInputError(() => TokenizerJson.Load(path), path, "not valid JSON");
    }

    [Theory]
    [InlineData("WordPiece")]
    [InlineData("Unigram")]
    [InlineData("WordLevel")]
    public void TokenizerJson_NonBpeModel_SaysNotSupported(string type)
    {
        using var dir = new TempDir();
        var path = dir.File("tokenizer.json", "{\"model\": {\"type\": \"" + type + "\", \"vocab\": {\"a\": 0}}}");
        AssertInputError(() => TokenizerJson.Load(path), path, $"model type {type} is not supported");
    }

    [Fact]
    public void TokenizerJson_UnsupportedNormalizer_SaysWhich()
    {
        using var dir = new TempDir();
        var json = TokenizerJsonFixtures.ByteLevel().Replace("\"normalizer\":null", "\"normalizer\":{\"type\":\"Lowercase\"}");
        var path = dir.File("tokenizer.json", json);
        AssertInputError(() => TokenizerJson.Load(path), path, "normalizer Lowercase is not supported");
    }

    [Fact]
    public void TokenizerJson_MergeOfUnknownTokens_SaysTheyDoNotBelongTogether()
    {
        using var dir = new TempDir();
        var json = TokenizerJsonFixtures.Llama().Replace("wor ld\"", "wor xyz\""); // JsonNode writes ▁ as \u2581
        var path = dir.File("tokenizer.json", json);
        AssertInputError(() => TokenizerJson.Load(path), path, "merge 10", "\"xyz\"", "not in the vocabulary");
    }

    [Fact]
    public void DecodeStrict_InvalidByte_NamesFileAndOffset()
    {
        byte[] bytes = [(byte)'o', (byte)'k', 0xC3, 0xA9, (byte)'!', 0xFF, (byte)'x'];
        AssertInputError(() => Utf8Text.DecodeStrict(bytes, "corpus.txt"), "corpus.txt", "byte offset 5", "0xFF");
    }

    [Fact]
    public void DecodeStrict_TruncatedSequenceAtEnd_NamesOffsetOfItsStart()
    {
        byte[] bytes = [(byte)'a', 0xE2, 0x80];
        AssertInputError(() => Utf8Text.DecodeStrict(bytes, "t.txt"), "byte offset 1");
        Assert.Equal("é", Utf8Text.DecodeStrict([0xC3, 0xA9], "t.txt"));
    }
}
