using Interrogate.Data.Corpora;
using Interrogate.Sharding;

namespace Interrogate.Store;

/// <summary>How activations are written: float32 exactly, or float16 at half the disk.</summary>
public enum StorePrecision { Float32, Float16 }

/// <summary>What to record and how to cut the token stream. Every field is part of the store's identity.</summary>
public sealed record ActivationStoreOptions
{
    /// <summary>Hook points to record; null means every <c>blocks.*.mlp.hook_post</c>.</summary>
    public IReadOnlyList<string>? Hooks { get; init; }

    /// <summary>Tokens per window (each window is one independent forward pass); null means the model's context.</summary>
    public int? WindowLength { get; init; }

    /// <summary>
    /// Windows per forward pass (B). Only the current batch's activations are ever in memory: the
    /// cached hooks, B·window·Σwidth·4 bytes (GPT-2 small's 12 MLP layers at B = 8, window 1024:
    /// 1.2 GB), plus one batch of stored values on their way to disk (B·window·Σwidth·2 bytes in
    /// float16, 4 in float32) and the forward pass's own buffers (its logits alone are
    /// B·window·vocab·4 bytes, 1.6 GB there); lower B to fit.
    /// </summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Windows per chunk file; a chunk is the unit of resumption.</summary>
    public int WindowsPerChunk { get; init; } = 64;

    /// <summary>Float16 rounds to ~3 significant digits and turns |values| above 65,504 into infinity; statistics and top-k use the float32 values.</summary>
    public StorePrecision Precision { get; init; } = StorePrecision.Float16;

    /// <summary>Max-activating contexts kept per neuron.</summary>
    public int TopK { get; init; } = 10;

    /// <summary>Token ids kept on each side of a top activation (clipped to its window).</summary>
    public int ContextRadius { get; init; } = 8;

    /// <summary>Histogram bins per neuron for approximate quantiles (see <see cref="NeuronStatistics"/>).</summary>
    public int HistogramBins { get; init; } = 128;

    /// <summary>
    /// Record only this shard's contiguous part of the chunks (null: all). A shard also keeps each
    /// batch's moments, so <see cref="ActivationShardMerger"/> can rebuild the single-process statistics bit for bit.
    /// </summary>
    public ShardSpec? Shard { get; init; }

    /// <summary>The dictionaries whose feature hooks are among <see cref="Hooks"/> (saved in the manifest; null: none).</summary>
    public IReadOnlyList<StoredDictionary>? Dictionaries { get; init; }
}

/// <summary>
/// A run of token ids to stream, with an identity string saved in the manifest so a store is never
/// resumed over a different corpus (e.g. "sotu/validation@FINGERPRINT").
/// </summary>
public sealed class TokenSource
{
    private readonly Action<long, Span<int>> read;

    private TokenSource(string identity, long count, Action<long, Span<int>> read)
    {
        Identity = identity;
        Count = count;
        this.read = read;
    }

    public string Identity { get; }
    public long Count { get; }

    public void Read(long start, Span<int> destination) => read(start, destination);

    public static TokenSource FromArray(int[] tokens, string identity) =>
        new(identity, tokens.Length, (start, dest) => tokens.AsSpan(checked((int)start), dest.Length).CopyTo(dest));

    /// <summary>Tokens [start, start + count) of a memory-mapped token file (count null: to the end).</summary>
    public static TokenSource FromFile(TokenFile file, string identity, long start = 0, long? count = null)
    {
        long n = count ?? file.Count - start;
        if (start < 0 || n < 0 || start + n > file.Count)
            throw InputException.ForFile(file.Path, $"token range [{start}, {start + n}) lies outside its {file.Count} tokens");
        return new(identity + $"[{start}+{n}]", n, (s, dest) => file.Read(start + s, dest));
    }
}
