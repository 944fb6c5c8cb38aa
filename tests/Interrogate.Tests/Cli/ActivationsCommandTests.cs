using System.Text.Json;
using Interrogate.Store;

namespace Interrogate.Tests.Cli;

/// <summary>A store recorded once through the CLI from the tiny GPT-2 folder, shared by the tests.</summary>
public sealed class RecordedStore : IDisposable
{
    public const string Hook = "blocks.1.mlp.hook_post";
    private const string Text = "The nation is at peace. We will keep it so. In the year 1990, Congress said \"no\" (again). " +
        "Our people want jobs, and our jobs want people. The tax is high; the war is over. We know it. ";

    public TinyGpt2Folder Folder { get; } = new();
    public string Temp { get; } = Directory.CreateTempSubdirectory("activations-cli").FullName;
    public string Store => Path.Combine(Temp, "store");
    public string Corpus => Path.Combine(Temp, "corpus.txt");
    public string DataDir => Path.Combine(Temp, "cache");
    public CliRunner.Result First { get; }

    public RecordedStore()
    {
        File.WriteAllText(Corpus, string.Concat(Enumerable.Repeat(Text, 6)));
        First = Record();
    }

    public CliRunner.Result Record(params string[] extra) => CliRunner.Run(
        ["activations", "record", "--model", Folder.Dir, "--corpus", Corpus, "--split", "train", "--tokens", "300", "--out", Store, "--data-dir", DataDir, "--json", .. extra]);

    public void Dispose()
    {
        Folder.Dispose();
        Directory.Delete(Temp, recursive: true);
    }
}

public sealed class ActivationsCommandTests(RecordedStore recorded) : IClassFixture<RecordedStore>
{
    private static JsonElement Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    [Fact]
    public void Record_DefaultHooks_StoresEveryMlpHookAndTokens()
    {
        var json = Json(recorded.First);
        Assert.Equal(300, json.GetProperty("tokens").GetInt64());
        Assert.Equal(["blocks.0.mlp.hook_post", "blocks.1.mlp.hook_post"], json.GetProperty("hooks").EnumerateArray().Select(h => h.GetProperty("name").GetString()));
        using var store = ActivationStore.Open(recorded.Store);
        Assert.Equal(recorded.Folder.Tokenizer.Encode(File.ReadAllText(recorded.Corpus))[..300], store.ReadTokens(0, 300));
    }

    [Fact]
    public void Record_Again_ResumesWithNothingLeft()
    {
        var json = Json(recorded.Record());
        Assert.Equal(0, json.GetProperty("recorded_now").GetInt64());
        Assert.Equal(300, json.GetProperty("tokens").GetInt64());
    }

    [Fact]
    public void Stats_OneNeuron_EqualsMomentsOfStoredColumn()
    {
        var json = Json(CliRunner.Run("activations", "stats", "--store", recorded.Store, "--hook", RecordedStore.Hook, "--neuron", "3", "--json"));
        var row = Assert.Single(json.GetProperty("neurons").EnumerateArray());
        using var store = ActivationStore.Open(recorded.Store);
        // The store keeps float16 (~3 significant digits); the statistics were taken on the float32 values.
        var column = store.ReadNeuron(RecordedStore.Hook, 3).Select(v => (double)v).ToArray();
        double mean = column.Average(), scale = column.Max(Math.Abs);
        Assert.True(Math.Abs(mean - row.GetProperty("mean").GetDouble()) <= 1e-3 * scale);
        double variance = column.Sum(v => (v - mean) * (v - mean)) / column.Length;
        Assert.True(Math.Abs(variance - row.GetProperty("variance").GetDouble()) <= 2e-3 * scale * scale);
        Assert.True(Math.Abs(column.Max() - row.GetProperty("max").GetDouble()) <= 1e-3 * scale);
        Assert.InRange(row.GetProperty("q50").GetDouble(), column.Min(), column.Max());
    }

    [Fact]
    public void Top_K3_EqualsStoreTopContexts()
    {
        var json = Json(CliRunner.Run("activations", "top", "--store", recorded.Store, "--hook", RecordedStore.Hook, "--neuron", "5", "--k", "3", "--json"));
        using var store = ActivationStore.Open(recorded.Store);
        var expected = store.TopContexts(RecordedStore.Hook, 5).Take(3).ToList();
        var contexts = json.GetProperty("contexts").EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => e.Token), contexts.Select(c => c.GetProperty("token").GetInt64()));
        Assert.Equal(expected.Select(e => e.Value), contexts.Select(c => c.GetProperty("value").GetSingle()));
        Assert.Equal(recorded.Folder.Tokenizer.TokenText(expected[0].Ids[expected[0].Offset]), contexts[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Explain_Json_ScoresOnHeldOutWindows()
    {
        var json = Json(CliRunner.Run("activations", "explain", "--store", recorded.Store, "--hook", RecordedStore.Hook, "--neuron", "5", "--json"));
        // 300 tokens in windows of 16 → 19 windows; 4 (rounded 20%) are held out: 300 − 15·16 = 60 tokens.
        Assert.Equal(240, json.GetProperty("explained_tokens").GetInt32());
        Assert.Equal(60, json.GetProperty("held_out_tokens").GetInt32());
        Assert.InRange(json.GetProperty("correlation").GetDouble(), -1, 1);
        Assert.Equal(1.96 / Math.Sqrt(60), json.GetProperty("chance_level").GetDouble(), 9);
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("explanation").GetString()));
    }

    [Fact]
    public void Record_ModelFromEnvironment_UsedWhenFlagAbsent()
    {
        var store = Path.Combine(recorded.Temp, "env-store");
        var r = CliRunner.Run(new Dictionary<string, string> { ["INTERROGATE_MODEL"] = recorded.Folder.Dir },
            "activations", "record", "--corpus", recorded.Corpus, "--split", "train", "--tokens", "40", "--hooks", "blocks.0.mlp.hook_post",
            "--out", store, "--data-dir", recorded.DataDir, "--json");
        Assert.Equal(40, Json(r).GetProperty("tokens").GetInt64());
        Assert.StartsWith(recorded.Folder.Dir, ActivationManifest.Load(store).Model);
    }

    [Theory]
    [InlineData("--hooks", "blocks.*.attn.hook_nothing", "--hooks blocks.*.attn.hook_nothing")]
    [InlineData("--split", "dev", "--split")]
    [InlineData("--tokens", "0", "--tokens")]
    public void Record_BadFlag_ExitsTwoNamingIt(string flag, string value, string mentions) =>
        CliRunner.AssertBadInput(CliRunner.Run("activations", "record", "--model", recorded.Folder.Dir, "--corpus", recorded.Corpus, "--split", "train",
            "--out", Path.Combine(recorded.Temp, "never"), "--data-dir", recorded.DataDir, flag, value), mentions);

    [Fact]
    public void Read_BadInput_ExitsTwoNamingTheCulprit()
    {
        var missing = Path.Combine(recorded.Temp, "no-such-store");
        CliRunner.AssertBadInput(CliRunner.Run("activations", "stats", "--store", missing), missing);
        CliRunner.AssertBadInput(CliRunner.Run("activations", "top", "--store", recorded.Store, "--hook", "blocks.7.mlp.hook_post", "--neuron", "0"), "--hook blocks.7.mlp.hook_post");
        CliRunner.AssertBadInput(CliRunner.Run("activations", "explain", "--store", recorded.Store, "--hook", RecordedStore.Hook, "--neuron", "9999"), "--neuron 9999");
        Assert.False(Directory.Exists(Path.Combine(recorded.Temp, "never")));
    }
}
