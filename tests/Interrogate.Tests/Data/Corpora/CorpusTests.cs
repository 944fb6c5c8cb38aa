using Interrogate.Data.Corpora;

namespace Interrogate.Tests.Data.Corpora;

public sealed class CorpusTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("interrogate-corpus-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Folder_TextMarkdownAndBadUtf8_KeepsTextAndWarnsNamingTheBadFile()
    {
        Write("a.txt", "alpha");
        Write("b.md", "# beta");
        Write("sub/c.txt", "gamma");
        Write("notes.json", "{}");
        File.WriteAllBytes(Path.Combine(_dir, "bad.txt"), [0x61, 0xFF, 0x62]);
        var corpus = Corpus.Open(_dir);
        Assert.Equal(["a.txt", "b.md", "sub/c.txt"], corpus.Documents.Select(d => d.Id));
        Assert.Equal("gamma", corpus.Documents[2].Read());
        var warning = Assert.Single(corpus.Warnings);
        Assert.Contains("bad.txt", warning);
        Assert.Contains("UTF-8", warning);
    }

    [Fact]
    public void Folder_NoTextFiles_ThrowsNamingFolder()
    {
        Write("data.csv", "1,2");
        var e = Assert.Throws<InputException>(() => Corpus.Open(_dir));
        Assert.Contains(_dir, e.Message);
        Assert.Contains(".txt", e.Message);
    }

    [Fact]
    public void Folder_OnlyNonUtf8_Throws()
    {
        File.WriteAllBytes(Path.Combine(_dir, "latin1.txt"), [0x63, 0x61, 0x66, 0xE9]);
        Assert.Throws<InputException>(() => Corpus.Open(_dir));
    }

    [Fact]
    public void Open_UnknownName_ThrowsListingKnownCorpora()
    {
        var e = Assert.Throws<InputException>(() => Corpus.Open("no-such-corpus-xyz"));
        Assert.Contains("sotu", e.Message);
    }

    [Fact]
    public void Splits_FortyDocuments_AreByDocumentDeterministicAndNinetyFiveFive()
    {
        for (int i = 0; i < 40; i++) Write($"doc{i:D2}.txt", $"document {i}");
        var first = Corpus.Open(_dir);
        var again = Corpus.Open(_dir);
        Assert.Equal(first.Documents.Select(d => (d.Id, d.Split)), again.Documents.Select(d => (d.Id, d.Split)));
        Assert.Equal(36, first.Split(CorpusSplit.Train).Count());
        Assert.Equal(2, first.Split(CorpusSplit.Validation).Count());
        Assert.Equal(2, first.Split(CorpusSplit.Test).Count());
        Assert.Equal(first.Fingerprint, again.Fingerprint);
        Write("doc00.txt", "changed");
        Assert.NotEqual(first.Fingerprint, Corpus.Open(_dir).Fingerprint);
    }

    [Theory]
    [InlineData(300, 2)]
    [InlineData(70000, 4)]
    public void TokenFile_WrittenInPieces_ReadsBackWithWidthForVocab(int vocab, int width)
    {
        var path = Path.Combine(_dir, "t.tok");
        int[] ids = [0, 1, vocab - 1, 42, 7, vocab / 2];
        TokenFile.Write(path, vocab, write => { write(ids.AsSpan(0, 2)); write(ids.AsSpan(2)); });
        using var file = TokenFile.Open(path);
        Assert.Equal(width, file.BytesPerToken);
        Assert.Equal(ids.Length, file.Count);
        Assert.Equal(ids[1..5], file.Read(1, 4));
        Assert.Equal(16 + ids.Length * width, new FileInfo(path).Length);
    }
}
