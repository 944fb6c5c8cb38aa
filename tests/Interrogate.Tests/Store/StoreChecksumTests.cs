using System.Text.Json.Nodes;
using Interrogate.Data.Corpora;
using Interrogate.IO;
using Interrogate.Models.Transformer;
using Interrogate.Sharding;
using Interrogate.Store;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Store;

/// <summary>
/// Chunk files and the statistics state carry a CRC-32C in the manifest: bytes changed inside a
/// file of the right length are an error naming the file when it is read; stores without checksums still open.
/// </summary>
public sealed class StoreChecksumTests : IDisposable
{
    private static readonly int[] Ids = ModelKit.RandomIds(95, ModelKit.Gpt2Tiny.VocabSize, seed: 11);
    private static readonly ActivationStoreOptions Options = new()
    {
        WindowLength = 10, BatchSize = 2, WindowsPerChunk = 4, Precision = StorePrecision.Float32, TopK = 3, ContextRadius = 2, HistogramBins = 16,
    };
    private const string Hook = "blocks.1.mlp.hook_post";
    private readonly TempDir temp = new();
    private readonly CausalLanguageModel model = ModelKit.Gpt2();

    public void Dispose() => temp.Dispose();

    private string Record(string dir, ShardSpec? shard = null)
    {
        ActivationRecorder.Record(model, "tiny-gpt2", TokenSource.FromArray(Ids, "random-95"), temp.File(dir), Options with { Shard = shard });
        return temp.File(dir);
    }

    /// <summary>Adds 1 to one byte past the header of a file: same length, header intact.</summary>
    private static void Nudge(string path, int offset)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[offset]++;
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void Crc32C_StandardCheckValueAndPieces_MatchWhole()
    {
        var bytes = "123456789"u8.ToArray();
        var whole = new Crc32C();
        whole.Append(bytes);
        Assert.Equal(0xE3069283u, whole.Value);   // the CRC-32C check value (RFC 3720, appendix B.4)
        var pieces = new Crc32C();
        pieces.Append(bytes.AsSpan(0, 3));
        pieces.Append(bytes.AsSpan(3));
        Assert.Equal("e3069283", pieces.Hex);
    }

    [Fact]
    public void Record_Manifest_HoldsEachFilesChecksum()
    {
        var dir = Record("store");
        var manifest = ActivationManifest.Load(dir);
        Assert.Equal(3, manifest.Chunks.Count);
        foreach (var chunk in manifest.Chunks)
            Assert.Equal(manifest.Hooks.Select(h => Crc32C.OfFile(Path.Combine(dir, $"{h.Name}.{chunk.Index:D5}.act"))), chunk.Checksums!);
        Assert.Equal(Crc32C.OfFile(Path.Combine(dir, manifest.StateFile!)), manifest.StateChecksum);
    }

    [Fact]
    public void ReadRows_ChunkValueChangedInPlace_ThrowsNamingTheChunk()
    {
        var dir = Record("store");
        var chunk = Path.Combine(dir, $"{Hook}.00001.act");
        Nudge(chunk, 32 + 4 * 17);
        using var store = ActivationStore.Open(dir);   // lengths and headers still agree
        Assert.Equal(40, store.ReadRows(Hook, 0, 40).Length / store.Width(Hook));   // chunk 0 is untouched
        var e = Assert.Throws<InputException>(() => store.ReadNeuron(Hook, 3));
        Assert.StartsWith(chunk, e.Message);
        Assert.Contains("does not match its checksum", e.Message);
    }

    [Fact]
    public void Open_StateChangedInPlace_ThrowsNamingTheState()
    {
        var dir = Record("store");
        var state = Path.Combine(dir, ActivationManifest.Load(dir).StateFile!);
        Nudge(state, (int)new FileInfo(state).Length / 2);
        var e = Assert.Throws<InputException>(() => ActivationStore.Open(dir));
        Assert.StartsWith(state, e.Message);
        Assert.Contains("does not match its checksum", e.Message);
    }

    [Fact]
    public void Open_StoreWrittenBeforeChecksums_ReadsTheSameRows()
    {
        var dir = Record("store");
        float[] expected;
        using (var store = ActivationStore.Open(dir)) expected = store.ReadRows(Hook, 0, Ids.Length);
        var path = ActivationManifest.PathIn(dir);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json.Remove("StateChecksum");
        foreach (var chunk in json["Chunks"]!.AsArray()) chunk!.AsObject().Remove("Checksums");
        File.WriteAllText(path, json.ToJsonString());

        using var old = ActivationStore.Open(dir);
        Assert.Null(old.Manifest.StateChecksum);
        Assert.All(old.Manifest.Chunks, c => Assert.Null(c.Checksums));
        Assert.Equal(expected, old.ReadRows(Hook, 0, Ids.Length));
    }

    [Fact]
    public void Merge_ShardChunkChangedInPlace_ThrowsNamingIt()
    {
        var parts = Enumerable.Range(0, 2).Select(i => Record($"part{i}", new ShardSpec(i, 2))).ToList();
        var whole = Record("whole");
        var (_, _) = ShardMerge.Run([new ActivationShardMerger()], parts, temp.File("merged"));
        Assert.Equal(ActivationManifest.Load(whole).Chunks, ActivationManifest.Load(temp.File("merged")).Chunks);   // checksums carried over

        var damaged = Path.Combine(parts[1], $"{Hook}.00002.act");
        Nudge(damaged, 40);
        var e = Assert.Throws<InputException>(() => ShardMerge.Run([new ActivationShardMerger()], parts, temp.File("merged2")));
        Assert.StartsWith(damaged, e.Message);
        Assert.Contains("does not match its checksum", e.Message);
    }
}
