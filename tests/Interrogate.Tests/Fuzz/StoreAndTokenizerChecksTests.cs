using Interrogate.Text;

namespace Interrogate.Tests.Fuzz;

/// <summary>Focused checks behind the campaign's store and tokenizer classes, run in-process on the fuzz fixture.</summary>
[Collection(nameof(FuzzCollection))]
public sealed class StoreAndTokenizerChecksTests(FuzzFixture fixture)
{
    private string Copy(string name) =>
        Damage.CopyFolder(fixture.Store, Path.Combine(Directory.CreateTempSubdirectory("fuzz-store-").FullName, name));

    [Fact]
    public void Stats_UnfinishedRecording_ExitsTwoUnlessPartial()
    {
        var store = Copy("store");
        var manifest = Damage.ReadJson(Path.Combine(store, "manifest.json"));
        manifest["TotalChunks"] = (int)manifest["TotalChunks"]! + 1;
        Damage.WriteJson(Path.Combine(store, "manifest.json"), manifest);

        var refused = InProcessCli.Run("activations", "stats", "--store", store, "--json");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--partial", refused.Stderr);
        Assert.Contains("unfinished (1 of 2 chunks)", refused.Stderr);
        var partial = InProcessCli.Run("activations", "stats", "--store", store, "--json", "--partial");
        Assert.True(partial.ExitCode == 0, partial.Stderr);
        Directory.Delete(Path.GetDirectoryName(store)!, recursive: true);
    }

    [Fact]
    public void Open_TokenIdsChangedInPlace_FailsItsChecksum()
    {
        var store = Copy("store");
        var ids = Path.Combine(store, "tokens.00000.ids");
        var bytes = File.ReadAllBytes(ids);
        (bytes[0], bytes[4]) = (bytes[4], bytes[0]);   // two ids swapped: same length, same range, different file
        File.WriteAllBytes(ids, bytes);
        var r = InProcessCli.Run("activations", "stats", "--store", store);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("tokens.00000.ids: token ids do not match their checksum", r.Stderr);
        Directory.Delete(Path.GetDirectoryName(store)!, recursive: true);
    }

    [Fact]
    public void Tokenizer_IdPastConfigVocabulary_NamesBothFiles()
    {
        var model = Damage.CopyFolder(fixture.Gpt, Path.Combine(Directory.CreateTempSubdirectory("fuzz-tok-").FullName, "m"));
        var config = Damage.ReadJson(Path.Combine(model, "config.json"));
        config["vocab_size"] = 280;   // the tokenizer has 300 ids
        Damage.WriteJson(Path.Combine(model, "config.json"), config);
        var e = Assert.Throws<InputException>(() => TokenizerLoader.FromDirectory(model));
        Assert.Contains("tokenizer.json: has ids up to 299", e.Message);
        Assert.Contains("vocab_size 280", e.Message);
        Directory.Delete(Path.GetDirectoryName(model)!, recursive: true);
    }
}
