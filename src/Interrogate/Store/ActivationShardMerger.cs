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
            var state = StoreState.Load(Path.Combine(shards[s], m.StateFile!), hooks.Count);
            foreach (var chunk in m.Chunks)
            {
                foreach (var batch in MomentsFile.Read(Path.Combine(shards[s], MomentsFile.FileName(chunk.Index)), hooks))
                    for (int h = 0; h < hooks.Count; h++) merged[h].Stats.AddMoments(batch[h]);
                foreach (var hook in hooks) CopyFile(shards[s], output, ChunkFile.Name(hook.Name, chunk.Index));
                CopyFile(shards[s], output, StoreState.TokenFileName(chunk.Index));
                chunks.Add(chunk);
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
        using (var pending = StoreState.Begin(Path.Combine(output, stateFile), merged)) pending.Commit();
        (first with { Shard = null, Chunks = chunks, StateFile = stateFile }).Save(output);   // last: the store exists once whole
    }

    /// <summary>Copies one file under the same name, atomically (temp file, then rename).</summary>
    private static void CopyFile(string from, string to, string name)
    {
        var temp = Path.Combine(to, $".{name}.{Guid.NewGuid():N}.tmp");
        File.Copy(Path.Combine(from, name), temp);
        File.Move(temp, Path.Combine(to, name), overwrite: true);
    }
}
