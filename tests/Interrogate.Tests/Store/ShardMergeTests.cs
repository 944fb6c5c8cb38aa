using Interrogate.Models.Transformer;
using Interrogate.Sharding;
using Interrogate.Store;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Store;

/// <summary>A store recorded in shards and merged must equal the store one process records, bit for bit where it is stored.</summary>
public sealed class ShardMergeTests : IDisposable
{
    // 295 tokens in windows of 10 → 30 windows, 4 a chunk → 8 chunks, batches of 3 windows (the last of a chunk short, the last window 5 tokens).
    private static readonly int[] Ids = ModelKit.RandomIds(295, ModelKit.Gpt2Tiny.VocabSize, seed: 7);
    private static readonly ActivationStoreOptions Options = new()
    {
        WindowLength = 10, BatchSize = 3, WindowsPerChunk = 4, Precision = StorePrecision.Float16, TopK = 5, ContextRadius = 3, HistogramBins = 64,
    };
    private readonly TempDir temp = new();
    private readonly CausalLanguageModel model = ModelKit.Gpt2();

    public void Dispose() => temp.Dispose();

    private ActivationManifest Record(string dir, ShardSpec? shard) =>
        ActivationRecorder.Record(model, "tiny-gpt2", TokenSource.FromArray(Ids, "random-295"), temp.File(dir), Options with { Shard = shard });

    [Theory]
    [InlineData(3)]    // 2, 3 and 3 chunks: two shards start past the store's first batch
    [InlineData(10)]   // more shards than chunks: some do nothing
    public void Merge_ShardsInAnyOrder_EqualsSingleProcessStoreBitForBit(int shards)
    {
        Record("whole", null);
        var parts = Enumerable.Range(0, shards).Select(i => { Record($"part{i}", new ShardSpec(i, shards)); return temp.File($"part{i}"); }).Reverse().ToList();
        var (merger, count) = ShardMerge.Run([new ActivationShardMerger()], parts, temp.File("merged"));
        Assert.Equal(shards, count);
        Assert.Equal("activation store", merger.Kind);

        using var whole = ActivationStore.Open(temp.File("whole"));
        using var merged = ActivationStore.Open(temp.File("merged"));
        Assert.Equal(whole.Manifest.Chunks, merged.Manifest.Chunks);
        Assert.Equal(whole.ReadTokens(0, Ids.Length), merged.ReadTokens(0, Ids.Length));
        foreach (var hook in whole.Hooks.Select(h => h.Name))
        {
            Assert.Equal(whole.ReadRows(hook, 0, Ids.Length), merged.ReadRows(hook, 0, Ids.Length));
            Assert.True(whole.Statistics(hook).BitEquals(merged.Statistics(hook)), $"{hook}: merged statistics differ from the single-process ones");
            Assert.Equal(Ids.Length, merged.Statistics(hook).Count);
            for (int j = 0; j < whole.Width(hook); j++)
            {
                var (a, b) = (whole.TopContexts(hook, j), merged.TopContexts(hook, j));
                Assert.Equal(a.Select(c => (c.Token, c.Value)), b.Select(c => (c.Token, c.Value)));
                Assert.Equal(a.Select(c => string.Join(',', c.Ids)), b.Select(c => string.Join(',', c.Ids)));
            }
        }
    }

    [Fact]
    public void Merge_MissingOrRepeatedShard_ThrowsNamingIt()
    {
        Record("a", new ShardSpec(0, 3));
        Record("b", new ShardSpec(2, 3));
        var missing = Assert.Throws<InputException>(() => ShardMerge.Run([new ActivationShardMerger()], [temp.File("a"), temp.File("b")], temp.File("out")));
        Assert.Contains("shard(s) 1 of 3", missing.Message);
        var twice = Assert.Throws<InputException>(() => ShardMerge.Run([new ActivationShardMerger()], [temp.File("a"), temp.File("a")], temp.File("out")));
        Assert.Contains("as is", twice.Message);
        Assert.False(Directory.Exists(temp.File("out")));
    }

    [Fact]
    public void Open_ShardStore_ThrowsSayingMergeFirst()
    {
        Record("a", new ShardSpec(1, 2));
        var e = Assert.Throws<InputException>(() => ActivationStore.Open(temp.File("a")));
        Assert.Contains("merge the shards first", e.Message);
    }

    [Fact]
    public void Record_ShardOverStoreOfOtherShard_ThrowsNamingShard()
    {
        Record("a", new ShardSpec(1, 2));
        var e = Assert.Throws<InputException>(() => Record("a", new ShardSpec(0, 2)));
        Assert.Contains("shard = 1/2", e.Message);
    }
}
