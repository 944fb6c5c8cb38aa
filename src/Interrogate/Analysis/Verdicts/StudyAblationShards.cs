using Interrogate.Analysis.Ablation;
using Interrogate.Models.Transformer;
using Interrogate.Sharding;

namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// A concept study's ablations whole or in shards. The jobs (candidates, random units, sets; the null is
/// almost all of them) are split into contiguous blocks (<see cref="ShardSpec.Range"/>); a shard runs its
/// block over every evaluation window and writes it (<see cref="StudyAblationFile"/>); <c>interrogate merge</c>
/// concatenates the blocks (<see cref="StudyAblationShardMerger"/>); the study run again with the merged folder
/// reuses them and only judges.
/// </summary>
public static class StudyAblationShards
{
    /// <summary>
    /// The ablation result: read from <paramref name="directory"/> when it holds this study's complete file,
    /// else computed (and saved there when a folder is given). For a shard, runs and saves only its block
    /// and returns null.
    /// </summary>
    public static BatchedAblationResult? Run(CausalLanguageModel model, int[][] ids, int[][] positions, IReadOnlyList<AblationJob> jobs,
        BatchedAblationOptions options, string fingerprint, ShardSpec? shard, string? directory, Action<double>? progress)
    {
        if (shard is not null && directory is null) throw new InputException("--shard needs --out DIR: the folder the shard's ablations are written to");
        if (directory is not null && StudyAblationFile.Read(directory) is { } existing)
        {
            if (existing.Fingerprint != fingerprint)
                throw InputException.ForFile(directory, "holds the ablations of another study (other model, data, units, ablation or --seed); give a new --out folder");
            if (existing.Shard == shard) return shard is null ? existing.Result : null;   // done before: reuse
            if (existing.Shard is not null)
                throw InputException.ForFile(directory, $"holds shard {existing.Shard} of this study; merge the shards (`interrogate merge`) and pass the merged folder");
            return existing.Result;   // the merged, whole study serves a shard run as well: nothing to do
        }
        if (shard is null)
        {
            var whole = BatchedAblation.Run(model, ids, positions, jobs, options, progress);
            if (directory is not null) new StudyAblationFile(fingerprint, null, 0, jobs.Count, jobs.Count, whole).Write(directory);
            return whole;
        }
        var (start, end) = shard.Range(jobs.Count);
        var part = end > start
            ? BatchedAblation.Run(model, ids, positions, [.. jobs.Skip((int)start).Take((int)(end - start))], options, progress)
            : BatchedAblation.Run(model, ids, positions, [], options, progress);
        new StudyAblationFile(fingerprint, shard, (int)start, (int)end, jobs.Count, part).Write(directory!);
        return null;
    }
}

/// <summary>What a shard run did: jobs [JobStart, JobEnd) of Jobs, written to Directory.</summary>
public sealed record StudyShardResult(string Shard, int JobStart, int JobEnd, int Jobs, string Directory, double Seconds);

/// <summary>Merges the shards of a study's ablations (<c>neurons --shard I/N --out DIR</c>) into the file one process writes.</summary>
public sealed class StudyAblationShardMerger : IShardMerger
{
    public string Kind => "neurons ablation";

    public ShardSpec? Probe(string directory)
    {
        try { return StudyAblationFile.ReadManifestOnly(directory)?.Shard; }
        catch (InputException) { return null; }
    }

    public void Merge(IReadOnlyList<string> shards, string output)
    {
        var parts = shards.Select(d => StudyAblationFile.Read(d)!).ToList();
        var first = parts[0];
        for (int i = 0; i < parts.Count; i++)
        {
            var p = parts[i];
            if (p.Fingerprint != first.Fingerprint) throw InputException.ForFile(shards[i], $"holds the ablations of another study than {shards[0]}");
            if (p.JobStart != (i == 0 ? 0 : parts[i - 1].JobEnd) || p.Jobs != first.Jobs || p.Result.Delta.Length != p.JobEnd - p.JobStart)
                throw InputException.ForFile(shards[i], "does not hold the block of jobs its shard index names; run that shard again");
            if (!Same(p.Result.CleanLoss, first.Result.CleanLoss) || !Same(p.Result.Recorded, first.Result.Recorded))
                throw InputException.ForFile(shards[i], $"computed other clean losses than {shards[0]} (another build or machine arithmetic); run every shard with the same build");
        }
        if (parts[^1].JobEnd != first.Jobs) throw InputException.ForFile(shards[^1], "the shards do not cover every job");
        if (File.Exists(Path.Combine(output, StudyAblationFile.ManifestName))) throw InputException.ForFile(output, "already holds ablations; --out needs a new folder");
        var merged = new BatchedAblationResult(first.Result.CleanLoss, [.. parts.SelectMany(p => p.Result.Delta)], first.Result.Recorded);
        // An estimated null's calibration ablations were sharded the same way, in each shard's own subfolder.
        var calibration = shards.Select(NullEstimates.Directory).ToList();
        if (calibration.Any(Directory.Exists))
        {
            if (calibration.FirstOrDefault(d => !Directory.Exists(d)) is { } missing)
                throw InputException.ForFile(Path.GetDirectoryName(missing)!, "has no calibration ablations but other shards do; run that shard again with the same options");
            Merge(calibration, NullEstimates.Directory(output));
        }
        new StudyAblationFile(first.Fingerprint, null, 0, first.Jobs, first.Jobs, merged).Write(output);   // last: the folder is whole once this exists
    }

    private static bool Same(float[][] a, float[][] b) =>
        a.Length == b.Length && a.Zip(b).All(p => p.First.AsSpan().SequenceEqual(p.Second));
}
