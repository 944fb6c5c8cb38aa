using System.Runtime.InteropServices;
using Interrogate.IO;

namespace Interrogate.Store;

/// <summary>
/// One batch's per-neuron mean and M2 (sum of squared deviations from that mean) for one hook, as
/// <see cref="NeuronStatistics"/> computed them before folding them into its running totals. A
/// shard keeps them, chunk by chunk, so the merge can replay the folds in the single-process order
/// and reach the same bits (a fold of shard totals would differ in the last bits: Chan's update is
/// not associative in floating point).
/// </summary>
internal sealed class BatchMoments(int width)
{
    public int Rows { get; set; }
    public double[] Mean { get; } = new double[width];
    public double[] M2 { get; } = new double[width];
}

/// <summary>
/// moments.NNNNN.bin of a shard store: for each batch of chunk NNNNN, for each hook, int32 rows then
/// [width] float64 means and [width] float64 M2, little-endian, after an int32 magic, hook count and batch count.
/// </summary>
internal static class MomentsFile
{
    private const int Magic = 0x4D4F4D49;   // "IMOM"

    public static string FileName(int chunk) => $"moments.{chunk:D5}.bin";

    /// <param name="path">The file to write (atomically).</param>
    /// <param name="batches">[batch][hook] moments, in recording order.</param>
    /// <returns>The file's CRC-32C (hex), for the shard's manifest.</returns>
    public static string Write(string path, IReadOnlyList<BatchMoments[]> batches)
    {
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(batches.Count == 0 ? 0 : batches[0].Length);
            w.Write(batches.Count);
            foreach (var batch in batches)
                foreach (var hook in batch)
                {
                    w.Write(hook.Rows);
                    w.Write(MemoryMarshal.AsBytes(hook.Mean.AsSpan()));
                    w.Write(MemoryMarshal.AsBytes(hook.M2.AsSpan()));
                }
        });
        return Crc32C.OfFile(path);
    }

    /// <param name="path">The moments file of one chunk.</param>
    /// <param name="hooks">The store's hooks.</param>
    /// <param name="checksum">The CRC-32C the shard's manifest recorded; null for shards written before checksums.</param>
    /// <returns>[batch][hook] moments.</returns>
    public static List<BatchMoments[]> Read(string path, IReadOnlyList<StoredHook> hooks, string? checksum)
    {
        try
        {
            if (checksum is not null && Crc32C.OfFile(path) != checksum)
                throw InputException.ForFile(path, "moments file does not match its checksum in the shard's manifest (the file was changed or damaged); record the shard again");
            using var r = new BinaryReader(File.OpenRead(path));
            if (r.ReadInt32() != Magic || r.ReadInt32() is int h && h != hooks.Count && h != 0)
                throw InputException.ForFile(path, "not a moments file of this store; record the shard again");
            int count = r.ReadInt32();
            long perBatch = hooks.Sum(hook => 4 + 16L * hook.Width);
            if (count < 0 || r.BaseStream.Length != 12 + count * perBatch)   // before allocating for a count read from the file
                throw InputException.ForFile(path, $"moments file is {r.BaseStream.Length} bytes, not the {12 + Math.Max(0, count) * perBatch} its {count} batches need; record the shard again");
            var batches = new List<BatchMoments[]>(count);
            for (int b = 0; b < count; b++)
                batches.Add([.. hooks.Select(hook =>
                {
                    var m = new BatchMoments(hook.Width) { Rows = r.ReadInt32() };
                    StoreState.ReadExactly(r, MemoryMarshal.AsBytes(m.Mean.AsSpan()));
                    StoreState.ReadExactly(r, MemoryMarshal.AsBytes(m.M2.AsSpan()));
                    return m;
                })]);
            return batches;
        }
        catch (Exception e) when (e is EndOfStreamException or FileNotFoundException)
        {
            throw InputException.ForFile(path, "moments file is missing or truncated; record the shard again", e);
        }
    }
}
