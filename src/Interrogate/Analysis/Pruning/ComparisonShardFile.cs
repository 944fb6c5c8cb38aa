using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Interrogate.Nn;
using Interrogate.Sharding;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>
/// A `prune compare` sweep on disk (<c>prune-compare.json</c>), whole or one shard's block of cells: the sweep's
/// fingerprint, the shard, and every measured cell with its per-item losses (and correctness), so the paired
/// intervals of a merged sweep are computed from the same numbers one process has. JSON writes each double in
/// its shortest round-trip form, so reading gives back the same bits.
/// </summary>
public sealed record ComparisonShardFile(string Fingerprint, ShardSpec? Shard, int CellCount, ComparisonPart Part)
{
    public const string FileName = "prune-compare.json";
    private const string KindName = "prune-compare";

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private sealed record StoredEvaluation(double Loss, double? Accuracy, long Count, double[]? ItemLosses, double[]? ItemCorrect);
    private sealed record StoredPoint(double Fraction, double RemovedFraction, StoredEvaluation Evaluation);
    private sealed record StoredCell(int Method, int Fraction, StoredPoint Plain, StoredPoint Refitted);
    private sealed record Stored(string Kind, string Fingerprint, string? Shard, int CellCount, StoredEvaluation Baseline, string Unit,
        string ChosenOn, string ReportedOn, long RefitRows, ComparisonCurve[] Curves, double[] Fractions, StoredCell[] Cells, MethodAnalysis[] Analyses);

    /// <summary>A short hash of everything a sweep's numbers depend on.</summary>
    public static string FingerprintOf(IEnumerable<string> parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts))))[..32];

    /// <summary>A hash of every parameter's name, shape and bits.</summary>
    public static string ParametersHash(Module module)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, tensor) in module.NamedParameters())
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name + ":" + string.Join(",", tensor.Shape) + ";"));
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.ContiguousData().Span));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var p = Part;
        var stored = new Stored(KindName, Fingerprint, Shard?.ToString(), CellCount, Store(p.Baseline), p.Unit, p.ChosenOn, p.ReportedOn, p.RefitRows,
            [.. p.Curves], [.. p.Fractions], [.. p.Cells.Select(c => new StoredCell(c.Method, c.Fraction, Store(c.Plain), Store(c.Refitted)))], [.. p.Analyses]);
        IO.AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(stored, Options));
    }

    /// <summary>The sweep in <paramref name="directory"/>, or null when it holds none; InputException naming the file when it is damaged.</summary>
    public static ComparisonShardFile? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        Stored? s;
        try { s = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), Options); }
        catch (JsonException e) { throw InputException.ForFile(path, $"is not a prune compare sweep ({e.Message})"); }
        if (s is null || s.Kind != KindName || s.Cells is null || s.Curves is null || s.Fractions is null || s.Baseline is null)
            throw InputException.ForFile(path, "is not a prune compare sweep");
        var part = new ComparisonPart(Load(s.Baseline), s.Unit, s.ChosenOn, s.ReportedOn, s.RefitRows, s.Curves, s.Fractions,
            [.. s.Cells.Select(c => new ComparisonCell(c.Method, c.Fraction, Load(c.Plain), Load(c.Refitted)))], s.Analyses ?? []);
        return new ComparisonShardFile(s.Fingerprint, s.Shard is { } shard ? ShardSpec.Parse(shard, _ => null, path) : null, s.CellCount, part);
    }

    private static StoredEvaluation Store(SubjectEvaluation e) => new(e.Loss, e.Accuracy, e.Count, e.ItemLosses?.ToArray(), e.ItemCorrect?.ToArray());
    private static StoredPoint Store(PruningPoint p) => new(p.Fraction, p.RemovedFraction, Store(p.Evaluation));
    private static SubjectEvaluation Load(StoredEvaluation e) => new(e.Loss, e.Accuracy, e.Count) { ItemLosses = e.ItemLosses, ItemCorrect = e.ItemCorrect };
    private static PruningPoint Load(StoredPoint p) => new(p.Fraction, p.RemovedFraction, Load(p.Evaluation));
}
