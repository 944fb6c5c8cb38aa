using Interrogate.Sharding;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>
/// `prune compare` whole or in shards. The sweep's cells (method × fraction, method-major) are split into
/// contiguous blocks (<see cref="ShardSpec.Range"/>); a shard measures its block and writes it
/// (<see cref="ComparisonShardFile"/>); <c>interrogate merge</c> joins the blocks (<see cref="ComparisonShardMerger"/>);
/// `prune compare --out MERGED` then reads the merged sweep and only reports.
/// </summary>
public static class ComparisonShards
{
    /// <summary>
    /// The comparison: read from <paramref name="directory"/> when it holds this sweep whole, else measured (and
    /// saved there when a folder is given). A shard measures and saves only its block and returns null.
    /// </summary>
    /// <param name="subject">Opens what is compared; called only when something must be measured.</param>
    /// <param name="methods">The compared methods, in curve order.</param>
    /// <param name="fractions">The fractions, in column order.</param>
    /// <param name="fingerprint">A hash of everything the numbers depend on (<see cref="ComparisonShardFile.FingerprintOf"/>).</param>
    /// <param name="shard">The block of cells to measure, or null for all.</param>
    /// <param name="directory">Where the sweep is read from and written to, or null.</param>
    /// <param name="progress">Progress reports.</param>
    /// <param name="cancel">Stops between cells.</param>
    public static PruningComparisonResult? Run(Func<IComparisonSubject> subject, IReadOnlyList<IPruningMethod> methods, IReadOnlyList<double> fractions,
        string fingerprint, ShardSpec? shard, string? directory, Action<string, double>? progress = null, CancellationToken cancel = default)
    {
        if (shard is not null && directory is null) throw new InputException("--shard needs --out DIR: the folder the shard's cells are written to");
        int cells = methods.Count * fractions.Count;
        if (directory is not null && ComparisonShardFile.Read(directory) is { } existing)
        {
            if (existing.Fingerprint != fingerprint)
                throw InputException.ForFile(directory, "holds another prune compare sweep (other model, data, methods, fractions or options); give a new --out folder");
            if (existing.Shard is null) return shard is null ? PruningComparison.Assemble(existing.Part) : null;   // whole: serves a shard too
            if (existing.Shard == shard) return null;   // this shard, done before
            throw InputException.ForFile(directory, $"holds shard {existing.Shard} of this sweep; merge the shards (`interrogate merge`) and pass the merged folder");
        }
        var part = PruningComparison.Measure(subject(), methods, fractions, shard, progress, cancel);
        if (directory is not null) new ComparisonShardFile(fingerprint, shard, cells, part).Write(directory);
        return shard is null ? PruningComparison.Assemble(part) : null;
    }
}
