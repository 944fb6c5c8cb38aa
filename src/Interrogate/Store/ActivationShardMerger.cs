using Interrogate.IO;
using Interrogate.Sharding;

namespace Interrogate.Store;

/// <summary>
/// Merges activation-store shards (recorded with <see cref="ActivationStoreOptions.Shard"/>) into
/// the store one process would have recorded. Chunk and token files are copied as they are. The
/// statistics are rebuilt so they have the single-process bits: means and M2 by replaying every
/// batch's moments in chunk order through the same update; counts, extremes, fractions positive
/// and histograms (every shard used the store's first-batch range) by exact integer sums and
/// comparisons. Top-k is the exact top k of the shards' top ks under the same order (value, then
/// earlier token), so each neuron's list is the same; only the heaps' internal order may differ.
/// </summary>
public sealed class ActivationShardMerger : IShardMerger
{
    public string Kind => "activation store";

    public ShardSpec? Probe(string directory) =>
        File.Exists(ActivationManifest.PathIn(directory)) ? ActivationManifest.Load(directory).Shard : null;

    public void Merge(IReadOnlyList<string> shards, string output)
    {
        var manifests = shards.Select(ActivationManifest.Load).ToList();
        for (int i = 0; i < shards.Count; i++)
        {
            manifests[0].CheckSameRecording(manifests[i], shards[i]);
            if (!manifests[i].Complete)
                throw InputException.ForFile(shards[i], $"shard {manifests[i].Shard} has {manifests[i].Chunks.Count} of its {manifests[i].ChunkRange.End - manifests[i].ChunkRange.Start} chunks; finish it (run the same command again) before merging");
        }
        if (File.Exists(output)) throw InputException.ForFile(output, "is a file; --out needs a new folder");
        if (File.Exists(ActivationManifest.PathIn(output))) throw InputException.ForFile(output, "already holds an activation store; --out needs a new folder");
        Directory.CreateDirectory(output);

        var first = manifests[0];
        var hooks = first.Hooks;
        var merged = hooks.Select(h => (Stats: new NeuronStatistics(h.Width, first.HistogramBins), Top: new TopActivations(h.Width, first.TopK))).ToList();
        var chunks = new List<StoredChunk>();
        bool rangeTaken = false;
        for (int s = 0; s < shards.Count; s++)
        {
            var m = manifests[s];
            if (m.Chunks.Count == 0) continue;   // more shards than chunks: this one had nothing to do
            var state = StoreState.Load(Path.Combine(shards[s], m.StateFile!), hooks.Count, m.StateChecksum);
            for (int c = 0; c < m.Chunks.Count; c++)
            {
                var chunk = m.Chunks[c];
                foreach (var batch in MomentsFile.Read(Path.Combine(shards[s], MomentsFile.FileName(chunk.Index)), hooks, chunk.MomentsChecksum))
                    for (int h = 0; h < hooks.Count; h++) merged[h].Stats.AddMoments(batch[h]);
                for (int h = 0; h < hooks.Count; h++)
                    CopyFile(shards[s], output, ChunkFile.Name(hooks[h].Name, chunk.Index), chunk.Checksums is { } sums && sums.Count == hooks.Count ? sums[h] : null, null);
                CopyFile(shards[s], output, StoreState.TokenFileName(chunk.Index), null, m.TokenChecksums?.Count == m.Chunks.Count ? m.TokenChecksums[c] : null);
                chunks.Add(chunk with { MomentsChecksum = null });   // the merged store keeps no moments files
            }
            for (int h = 0; h < hooks.Count; h++)
            {
                if (!rangeTaken) merged[h].Stats.CopyHistogramRange(state[h].Stats);
                merged[h].Stats.MergeCountsAndExtremes(state[h].Stats);
                var top = state[h].Top;
                for (int j = 0; j < top.Width; j++)
                    foreach (var t in top.For(j)) merged[h].Top.Offer(j, t.Value, t.Token);
            }
            rangeTaken = true;
        }
        for (int h = 0; h < hooks.Count; h++)
        {
            long expected = chunks.Sum(c => (long)c.Tokens);
            if (merged[h].Stats.Count != expected)
                throw InputException.ForFile(output, $"merged moments cover {merged[h].Stats.Count} tokens of {hooks[h].Name}, the chunks {expected}; a shard's moments files do not match its chunks");
        }
        var stateFile = StoreState.FileName(chunks.Count);
        string? stateChecksum;
        using (var pending = StoreState.Begin(Path.Combine(output, stateFile), merged))
        {
            pending.Commit();
            stateChecksum = pending.Checksum;
        }
        // Token checksums carry over when every shard has them for each of its chunks.
        var tokenSums = manifests.All(m => (m.TokenChecksums?.Count ?? 0) == m.Chunks.Count) ? manifests.SelectMany(m => m.TokenChecksums ?? []).ToList() : null;
        (first with { Shard = null, Chunks = chunks, StateFile = stateFile, StateChecksum = stateChecksum, TokenChecksums = tokenSums }).Save(output);   // last: the store exists once whole
    }

    /// <summary>
    /// Copies one file under the same name, atomically (temp file, then rename); with a checksum
    /// (CRC-32C for chunks, SHA-256 for token ids, as the manifest records them), the bytes copied
    /// must match it, so a damaged shard is an error naming its file, not a merged store.
    /// </summary>
    private static void CopyFile(string from, string to, string name, string? crc32c, string? sha256)
    {
        var source = Path.Combine(from, name);
        var temp = Path.Combine(to, $".{name}.{Guid.NewGuid():N}.tmp");
        var crc = new Crc32C();
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        try
        {
            using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            using (var copy = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
            {
                var buffer = new byte[1 << 20];
                for (int n; (n = input.Read(buffer)) > 0;)
                {
                    crc.Append(buffer.AsSpan(0, n));
                    sha.AppendData(buffer, 0, n);
                    copy.Write(buffer, 0, n);
                }
            }
            if ((crc32c is not null && crc.Hex != crc32c) || (sha256 is not null && Convert.ToHexStringLower(sha.GetHashAndReset()) != sha256))
                throw InputException.ForFile(source, "does not match its checksum in the shard's manifest (the file was changed or damaged); record that shard again");
            File.Move(temp, Path.Combine(to, name), overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
