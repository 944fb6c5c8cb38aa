using Interrogate.IO;

namespace Interrogate.Analysis.Activations;

/// <summary>
/// Statistics and top-k heaps of every hook after some number of complete chunks, in
/// state-NNNNN.bin (NNNNN = chunks covered). A new file per chunk, named by the manifest only once
/// written, keeps the manifest and the state it points to consistent when a run is killed anywhere.
/// </summary>
internal static class StoreState
{
    private const int Magic = 0x54534149;   // "IAST"

    public static string FileName(int chunks) => $"state-{chunks:D5}.bin";

    /// <summary>Ids of one chunk's tokens: int32 little-endian, no header.</summary>
    public static string TokenFileName(int chunk) => $"tokens.{chunk:D5}.ids";

    public static void Save(string path, IReadOnlyList<(NeuronStatistics Stats, TopActivations Top)> hooks) =>
        AtomicFile.Write(path, stream => Write(stream, hooks));

    /// <summary>The file's bytes, so they can be written to disk later while the state moves on.</summary>
    /// <param name="hooks">The state to copy.</param>
    /// <param name="reuse">A buffer from an earlier snapshot that nothing reads any more: filled again when it is the right size
    /// (a long run then copies its tens of MB of state into the same memory every chunk instead of fresh pages).</param>
    public static byte[] Snapshot(IReadOnlyList<(NeuronStatistics Stats, TopActivations Top)> hooks, byte[]? reuse = null)
    {
        long size = 8 + hooks.Sum(h => h.Stats.SerializedBytes + h.Top.SerializedBytes);
        var bytes = reuse is not null && reuse.LongLength == size ? reuse : new byte[size];
        using var memory = new MemoryStream(bytes);
        Write(memory, hooks);
        return memory.Position == bytes.Length ? bytes : throw new InvalidOperationException("state size miscounted");
    }

    private static void Write(Stream stream, IReadOnlyList<(NeuronStatistics Stats, TopActivations Top)> hooks)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("activation stores are written on little-endian machines only");
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(hooks.Count);
        foreach (var (stats, top) in hooks) { stats.Write(w); top.Write(w); }
    }

    /// <summary>Fills <paramref name="destination"/> from the reader or throws <see cref="EndOfStreamException"/>.</summary>
    public static void ReadExactly(BinaryReader r, Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            int n = r.Read(destination);
            if (n == 0) throw new EndOfStreamException();
            destination = destination[n..];
        }
    }

    public static List<(NeuronStatistics Stats, TopActivations Top)> Load(string path, int hookCount)
    {
        try
        {
            using var r = new BinaryReader(File.OpenRead(path));
            if (r.ReadInt32() != Magic || r.ReadInt32() != hookCount)
                throw InputException.ForFile(path, "not the statistics state of this store; delete the store and record again");
            var list = new List<(NeuronStatistics, TopActivations)>();
            for (int i = 0; i < hookCount; i++) list.Add((NeuronStatistics.Read(r), TopActivations.Read(r)));
            return list;
        }
        catch (Exception e) when (e is EndOfStreamException or FileNotFoundException or ArgumentOutOfRangeException)
        {
            throw InputException.ForFile(path, "statistics state is missing or truncated; delete the store and record again", e);
        }
    }
}
