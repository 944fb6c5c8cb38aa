using System.Text.Json;

namespace Interrogate.Tests.Cli;

/// <summary>`sae train --shard I/N`: the collection split over processes, merged, then trained on, gives the dictionary one process gives.</summary>
public sealed class SaeShardCommandTests(TinyNeuronsFolder folder) : IClassFixture<TinyNeuronsFolder>
{
    private readonly string dir = Directory.CreateTempSubdirectory("sae-shards").FullName;

    /// <summary>A corpus long enough for 4 chunks of the tiny model's store (64 windows of 16 tokens each) in its train split.</summary>
    private string Corpus()
    {
        var corpus = Path.Combine(dir, "corpus");
        Directory.CreateDirectory(corpus);
        string[] words = ["the", "House", "and", "Senate", "will", "vote", "on", "Monday", "in", "Washington", "for", "the", "people", "of", "America"];
        for (int d = 0; d < 4; d++)
            File.WriteAllText(Path.Combine(corpus, $"doc{d}.txt"), string.Join(" ", Enumerable.Range(0, 3000).Select(i => words[(i * 7 + d * 3 + i / 5) % words.Length])) + ".");
        return corpus;
    }

    private CliRunner.Result Train(string corpus, string outDir, params string[] extra) =>
        CliRunner.Run(["sae", "train", "--model", folder.Model, "--corpus", corpus, "--data-dir", Path.Combine(dir, "cache"), "--hook", "blocks.0.hook_resid_post",
            "--tokens", "4096", "--batch", "64", "--latents", "32", "--k", "4", "--warmup", "2", "--held-out-tokens", "256", "--out", outDir, "--json", .. extra]);

    [Fact]
    public void Train_CollectionInTwoShardsMerged_SameDictionaryAsOneProcess()
    {
        var corpus = Corpus();
        string whole = Path.Combine(dir, "whole"), merged = Path.Combine(dir, "merged");
        var one = Train(corpus, whole);
        Assert.True(one.ExitCode == 0, one.Stderr);

        var parts = new[] { Path.Combine(dir, "part0"), Path.Combine(dir, "part1") };
        for (int i = 0; i < 2; i++)
        {
            var r = Train(corpus, parts[i], "--shard", $"{i}/2");
            Assert.True(r.ExitCode == 0, r.Stderr);
            var shard = JsonDocument.Parse(r.Stdout).RootElement;
            Assert.Equal($"{i}/2", shard.GetProperty("shard").GetString());
            Assert.Equal(4, shard.GetProperty("total_chunks").GetInt32());
            Assert.Equal(2, shard.GetProperty("chunks").GetInt32());   // each shard does half the chunks
            Assert.False(File.Exists(Path.Combine(parts[i], "sae_weights.safetensors")));   // a shard only collects
        }
        var merge = CliRunner.Run("merge", parts[1], parts[0], "--out", merged, "--json");
        Assert.True(merge.ExitCode == 0, merge.Stderr);
        Assert.Equal("sae train collection", JsonDocument.Parse(merge.Stdout).RootElement.GetProperty("kind").GetString());

        var trained = Train(corpus, merged);
        Assert.True(trained.ExitCode == 0, trained.Stderr);
        Assert.DoesNotContain("collecting", trained.Stderr);   // the merged store is whole: nothing is recorded again
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "sae_weights.safetensors")), File.ReadAllBytes(Path.Combine(merged, "sae_weights.safetensors")));
        JsonElement a = JsonDocument.Parse(one.Stdout).RootElement, b = JsonDocument.Parse(trained.Stdout).RootElement;
        Assert.Equal(a.GetProperty("collected_rows").GetInt64(), b.GetProperty("collected_rows").GetInt64());
        Assert.Equal(a.GetProperty("held_out").GetProperty("variance_explained").GetDouble(), b.GetProperty("held_out").GetProperty("variance_explained").GetDouble());
    }

    [Fact]
    public void Train_ShardWithNpyActivations_OneLineErrorExit2() =>
        CliRunner.AssertBadInput(CliRunner.Run("sae", "train", "--activations", Path.Combine(dir, "acts.npy"), "--shard", "0/2", "--out", Path.Combine(dir, "o")), "--shard");
}
