namespace Interrogate.Sharding;

/// <summary>
/// Merges the output folders of one kind of sharded job (e.g. activation stores) into the folder
/// the unsharded job would have written. <c>interrogate merge</c> asks each registered merger to
/// <see cref="Probe"/> the folders and hands them to the one that recognises them.
/// </summary>
public interface IShardMerger
{
    /// <summary>What the folders hold, for messages (e.g. "activation store").</summary>
    string Kind { get; }

    /// <summary>The shard a folder holds when it is this kind's output, else null (the folder is not of this kind).</summary>
    ShardSpec? Probe(string directory);

    /// <summary>Combines complete shards (one folder per index 0..N−1, in index order) into <paramref name="output"/>.</summary>
    void Merge(IReadOnlyList<string> shards, string output);
}

/// <summary>Finds the merger for a set of shard folders and checks the set is whole before merging.</summary>
public static class ShardMerge
{
    /// <summary>
    /// Merges <paramref name="directories"/> (any order) with the one merger that recognises them
    /// all; throws naming the folder when one is of another kind, a shard is missing or repeated, or
    /// the shard counts differ.
    /// </summary>
    /// <returns>The merger used and the shard count.</returns>
    public static (IShardMerger Merger, int Shards) Run(IReadOnlyList<IShardMerger> mergers, IReadOnlyList<string> directories, string output)
    {
        if (directories.Count == 0) throw new InputException("merge: give the shard folders to merge");
        foreach (var d in directories)
            if (!Directory.Exists(d)) throw InputException.ForFile(d, "no such folder");
        var first = directories[0];
        var merger = mergers.FirstOrDefault(m => m.Probe(first) is not null)
            ?? throw InputException.ForFile(first, $"not the output of a sharded job ({string.Join(", ", mergers.Select(m => m.Kind))}); record it with --shard I/N");
        var byIndex = new string?[merger.Probe(first)!.Count];
        foreach (var d in directories)
        {
            var shard = merger.Probe(d) ?? throw InputException.ForFile(d, $"not a shard of a {merger.Kind} like {first}");
            if (shard.Count != byIndex.Length) throw InputException.ForFile(d, $"is shard {shard} but {first} is one of {byIndex.Length}");
            if (byIndex[shard.Index] is { } twice) throw InputException.ForFile(d, $"is shard {shard}, as is {twice}");
            byIndex[shard.Index] = d;
        }
        var missing = Enumerable.Range(0, byIndex.Length).Where(i => byIndex[i] is null).ToList();
        if (missing.Count > 0) throw new InputException($"merge: shard(s) {string.Join(", ", missing)} of {byIndex.Length} not given");
        if (directories.Any(d => Path.GetFullPath(d) == Path.GetFullPath(output))) throw InputException.ForFile(output, "--out must be a new folder, not one of the shards");
        merger.Merge([.. byIndex!], output);
        return (merger, byIndex.Length);
    }
}
