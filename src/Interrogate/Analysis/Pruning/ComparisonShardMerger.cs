using Interrogate.Sharding;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>Merges the shards of a `prune compare` sweep (<c>--shard I/N --out DIR</c>) into the file one process writes.</summary>
public sealed class ComparisonShardMerger : IShardMerger
{
    public string Kind => "prune compare sweep";

    public ShardSpec? Probe(string directory)
    {
        try { return ComparisonShardFile.Read(directory)?.Shard; }
        catch (InputException) { return null; }
    }

    public void Merge(IReadOnlyList<string> shards, string output)
    {
        var files = shards.Select(d => ComparisonShardFile.Read(d)!).ToList();
        var first = files[0];
        for (int i = 0; i < files.Count; i++)
        {
            var (f, p) = (files[i], files[i].Part);
            if (f.Fingerprint != first.Fingerprint || f.CellCount != first.CellCount) throw InputException.ForFile(shards[i], $"holds another sweep than {shards[0]}");
            var (start, end) = f.Shard!.Range(f.CellCount);
            var expected = Enumerable.Range((int)start, (int)(end - start)).Select(c => (c / p.Fractions.Count, c % p.Fractions.Count));
            if (!p.Cells.Select(c => (c.Method, c.Fraction)).SequenceEqual(expected))
                throw InputException.ForFile(shards[i], $"does not hold the cells shard {f.Shard} names; run that shard again");
            if (!Same(p.Baseline, first.Part.Baseline) || p.RefitRows != first.Part.RefitRows || p.ChosenOn != first.Part.ChosenOn || p.ReportedOn != first.Part.ReportedOn)
                throw InputException.ForFile(shards[i], $"measured another baseline than {shards[0]} (another build or machine arithmetic); run every shard with the same build");
        }
        if (File.Exists(Path.Combine(output, ComparisonShardFile.FileName))) throw InputException.ForFile(output, "already holds a sweep; --out needs a new folder");
        var whole = first.Part with { Cells = [.. files.SelectMany(f => f.Part.Cells)], Analyses = [.. files.SelectMany(f => f.Part.Analyses)] };
        new ComparisonShardFile(first.Fingerprint, null, first.CellCount, whole).Write(output);
    }

    private static bool Same(SubjectEvaluation a, SubjectEvaluation b) =>
        a.Loss.Equals(b.Loss) && a.Accuracy.Equals(b.Accuracy) && a.Count == b.Count &&
        (a.ItemLosses ?? []).SequenceEqual(b.ItemLosses ?? []) && (a.ItemCorrect ?? []).SequenceEqual(b.ItemCorrect ?? []);
}
