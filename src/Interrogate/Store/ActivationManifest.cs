using System.Text.Json;
using Interrogate.IO;
using Interrogate.Sharding;

namespace Interrogate.Store;

/// <summary>One recorded hook point and the width of its activation's last axis.</summary>
public sealed record StoredHook(string Name, int Width);

/// <summary>
/// The sparse dictionary whose features a recorded hook holds (<c>activations record --units</c>): which weights
/// made the numbers, so the store is never read or resumed with another dictionary of the same width.
/// </summary>
/// <param name="Hook">The recorded feature hook, e.g. blocks.2.hook_resid_post.hook_sae_acts_post.</param>
/// <param name="Path">The dictionary folder's full path when recorded.</param>
/// <param name="WeightsSha256">SHA-256 (hex) of its sae_weights.safetensors: the content, wherever it moves.</param>
/// <param name="HookIn">Hook its encoder reads.</param>
/// <param name="HookOut">Hook its decoder writes (the same for an autoencoder).</param>
/// <param name="Latents">Its width (features).</param>
/// <param name="Architecture">topk, jumprelu or standard (SAELens's names).</param>
public sealed record StoredDictionary(string Hook, string Path, string WeightsSha256, string HookIn, string HookOut, int Latents, string Architecture);

/// <summary>A complete chunk: tokens [FirstToken, FirstToken + Tokens) of the source.</summary>
public sealed record StoredChunk(int Index, long FirstToken, int Tokens)
{
    /// <summary>CRC-32C (hex) of each hook's chunk file, in the manifest's hook order; null in stores written before checksums.</summary>
    public IReadOnlyList<string>? Checksums { get; init; }
    /// <summary>CRC-32C (hex) of the chunk's moments file in a shard store (the merge reads it); null otherwise.</summary>
    public string? MomentsChecksum { get; init; }

    /// <summary>Equal when the range and the checksums (by value) are: a resumed or merged store lists the same chunks.</summary>
    public bool Equals(StoredChunk? other) =>
        other is not null && Index == other.Index && FirstToken == other.FirstToken && Tokens == other.Tokens && MomentsChecksum == other.MomentsChecksum
        && (Checksums is null ? other.Checksums is null : other.Checksums is not null && Checksums.SequenceEqual(other.Checksums));

    public override int GetHashCode() => HashCode.Combine(Index, FirstToken, Tokens);
}

/// <summary>
/// manifest.json of an activation store. It is rewritten atomically after each chunk and names the
/// statistics state that covers exactly the chunks listed, so a stopped run resumes from it.
/// </summary>
public sealed record ActivationManifest
{
    public const string FileName = "manifest.json";
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required string Model { get; init; }
    public required string Corpus { get; init; }
    public required long SourceTokens { get; init; }
    public required int WindowLength { get; init; }
    public required int BatchSize { get; init; }
    public required int WindowsPerChunk { get; init; }
    public required StorePrecision Precision { get; init; }
    public required int TopK { get; init; }
    public required int ContextRadius { get; init; }
    public required int HistogramBins { get; init; }
    public required IReadOnlyList<StoredHook> Hooks { get; init; }
    public IReadOnlyList<StoredChunk> Chunks { get; init; } = [];
    public int TotalChunks { get; init; }
    public string? StateFile { get; init; }
    /// <summary>SHA-256 (hex) of each complete chunk's token-id file, in chunk order; stores written before it have none.</summary>
    public IReadOnlyList<string>? TokenChecksums { get; init; }
    /// <summary>CRC-32C (hex) of <see cref="StateFile"/>; null in stores written before checksums.</summary>
    public string? StateChecksum { get; init; }

    /// <summary>Dictionaries whose features are recorded (<c>--units</c>); null when none, as in stores written before the field.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<StoredDictionary>? Dictionaries { get; init; }

    /// <summary>The shard this store holds (its chunks are <see cref="ChunkRange"/> only), or null for a whole store.</summary>
    public ShardSpec? Shard { get; init; }

    /// <summary>The chunks [Start, End) this store records: all of them, or its shard's contiguous part.</summary>
    public (int Start, int End) ChunkRange => Shard is { } shard
        ? ((int)shard.Range(TotalChunks).Start, (int)shard.Range(TotalChunks).End)
        : (0, TotalChunks);

    public bool Complete => Chunks.Count == ChunkRange.End - ChunkRange.Start;
    public long StoredTokens => Chunks.Count == 0 ? 0 : Chunks[^1].FirstToken + Chunks[^1].Tokens;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public static string PathIn(string directory) => System.IO.Path.Combine(directory, FileName);

    public static ActivationManifest Load(string directory)
    {
        var path = PathIn(directory);
        try
        {
            var manifest = JsonSerializer.Deserialize<ActivationManifest>(File.ReadAllText(path), Json)
                ?? throw InputException.ForFile(path, "empty activation-store manifest");
            if (manifest.Format != CurrentFormat)
                throw InputException.ForFile(path, $"activation-store format {manifest.Format}, this build reads {CurrentFormat}; record the store again");
            return manifest;
        }
        catch (JsonException e)
        {
            throw InputException.ForFile(path, $"activation-store manifest is not valid JSON ({e.Message}); delete the folder to record again", e);
        }
    }

    public void Save(string directory) => AtomicFile.WriteAllText(PathIn(directory), JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Throws naming the first setting in which an existing store differs from the one requested.</summary>
    public void CheckSameIdentity(ActivationManifest wanted, string directory)
    {
        foreach (var (name, mine, theirs) in Identity().Zip(wanted.Identity(), (a, b) => (a.Name, a.Value, b.Value)))
            if (mine != theirs)
                throw InputException.ForFile(PathIn(directory),
                    $"store was recorded with {name} = {mine}, this run asks for {theirs}; use another --store folder or delete this one");
    }

    private IEnumerable<(string Name, string Value)> Identity()
    {
        yield return ("model", Model);
        yield return ("corpus", Corpus);
        yield return ("source tokens", SourceTokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("hooks", string.Join(",", Hooks.Select(h => $"{h.Name}:{h.Width}")));
        yield return ("window length", $"{WindowLength}");
        yield return ("batch size", $"{BatchSize}");
        yield return ("windows per chunk", $"{WindowsPerChunk}");
        yield return ("precision", $"{Precision}");
        yield return ("top-k", $"{TopK}");
        yield return ("context radius", $"{ContextRadius}");
        yield return ("histogram bins", $"{HistogramBins}");
        yield return ("shard", Shard?.ToString() ?? "none");
        yield return ("dictionaries", Dictionaries is null ? "none" : string.Join(",", Dictionaries.Select(d => $"{d.Hook}@sha256:{d.WeightsSha256}")));
    }

    /// <summary>Throws naming the first setting other than the shard in which another shard's store differs from this one.</summary>
    public void CheckSameRecording(ActivationManifest other, string directory) =>
        (this with { Shard = null }).CheckSameIdentity(other with { Shard = null }, directory);
}
