using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Interrogate.Analysis.Ablation;
using Interrogate.IO;
using Interrogate.Sharding;

namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// The ablations of a concept study on disk, whole or as one shard's contiguous block of jobs: a manifest
/// (<c>neurons-ablation.json</c>: the study's fingerprint, the shard, the job range) and the float32 values
/// (<c>neurons-ablation.bin</c>: clean losses, recorded activations, then each job's Δloss window by window).
/// Every shard computes the clean pass and the recorded activations itself, so the merge checks they agree
/// bit for bit and concatenates the jobs: the merged file holds the values one process computes.
/// </summary>
public sealed record StudyAblationFile(string Fingerprint, ShardSpec? Shard, int JobStart, int JobEnd, int Jobs, BatchedAblationResult Result)
{
    public const string ManifestName = "neurons-ablation.json";
    public const string DataName = "neurons-ablation.bin";

    private sealed record Manifest(string Kind, string Fingerprint, string? Shard, int JobStart, int JobEnd, int Jobs, int[] Scored, int Recorded, int RecordedLength);

    private const string KindName = "neurons-ablation";

    /// <summary>A short hash naming everything the ablations depend on (model, tokens, positions, jobs, method, seed).</summary>
    public static string FingerprintOf(IEnumerable<string> parts)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts)));
        return Convert.ToHexStringLower(bytes)[..32];
    }

    /// <summary>The shard a folder holds (null when it holds no study ablation file, or the whole one).</summary>
    public static StudyAblationFile? ReadManifestOnly(string directory)
    {
        var path = Path.Combine(directory, ManifestName);
        if (!File.Exists(path)) return null;
        var m = ReadManifest(path);
        return new StudyAblationFile(m.Fingerprint, m.Shard is { } s ? ShardSpec.Parse(s, _ => null) : null, m.JobStart, m.JobEnd, m.Jobs,
            new BatchedAblationResult([], [], []));
    }

    /// <summary>Reads a folder's file; null when there is none.</summary>
    public static StudyAblationFile? Read(string directory)
    {
        var path = Path.Combine(directory, ManifestName);
        if (!File.Exists(path)) return null;
        var m = ReadManifest(path);
        var dataPath = Path.Combine(directory, DataName);
        if (!File.Exists(dataPath)) throw InputException.ForFile(dataPath, "is missing beside its manifest; run the job again");
        using var reader = new BinaryReader(File.OpenRead(dataPath));
        float[] Floats(int n)
        {
            var values = new float[n];
            var bytes = reader.ReadBytes(n * sizeof(float));
            if (bytes.Length != n * sizeof(float)) throw InputException.ForFile(dataPath, "is truncated; run the job again");
            Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
            return values;
        }
        var clean = m.Scored.Select(Floats).ToArray();
        var recorded = Enumerable.Range(0, m.Recorded).Select(_ => Floats(m.RecordedLength)).ToArray();
        var delta = Enumerable.Range(m.JobStart, m.JobEnd - m.JobStart).Select(_ => m.Scored.Select(Floats).ToArray()).ToArray();
        return new StudyAblationFile(m.Fingerprint, m.Shard is { } s ? ShardSpec.Parse(s, _ => null) : null, m.JobStart, m.JobEnd, m.Jobs,
            new BatchedAblationResult(clean, delta, recorded));
    }

    /// <summary>Writes the file into <paramref name="directory"/> (created when missing), data first, then the manifest, each atomically.</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var r = Result;
        AtomicFile.Write(Path.Combine(directory, DataName), stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            void Put(float[] values)
            {
                var bytes = new byte[values.Length * sizeof(float)];
                Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
                writer.Write(bytes);
            }
            foreach (var w in r.CleanLoss) Put(w);
            foreach (var a in r.Recorded) Put(a);
            foreach (var job in r.Delta) foreach (var w in job) Put(w);
        });
        var manifest = new Manifest(KindName, Fingerprint, Shard?.ToString(), JobStart, JobEnd, Jobs, [.. r.CleanLoss.Select(w => w.Length)],
            r.Recorded.Length, r.Recorded.Length == 0 ? 0 : r.Recorded[0].Length);
        AtomicFile.WriteAllText(Path.Combine(directory, ManifestName), JsonSerializer.Serialize(manifest, Options));
    }

    private static Manifest ReadManifest(string path)
    {
        try
        {
            var m = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path), Options);
            if (m is null || m.Kind != KindName) throw InputException.ForFile(path, "is not a neurons ablation manifest");
            return m;
        }
        catch (JsonException e) { throw InputException.ForFile(path, $"is not valid JSON ({e.Message})"); }
    }

    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
}
