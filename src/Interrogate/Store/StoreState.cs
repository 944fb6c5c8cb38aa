using Interrogate.IO;

namespace Interrogate.Store;

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

    /// <summary>
    /// Copies the state of every hook into a staging buffer now (so the state may move on at once) and
    /// writes it to a temp file beside <paramref name="path"/> in the background, around the page
    /// cache where the system allows (<see cref="SequentialFile"/>: the state is tens of MB a chunk);
    /// <see cref="Pending.Commit"/> waits for it and renames it into place.
    /// </summary>
    public static Pending Begin(string path, IReadOnlyList<(NeuronStatistics Stats, TopActivations Top)> hooks) => new(path, hooks);

    /// <summary>A state file being written, not yet durable; disposing it uncommitted deletes it.</summary>
    public sealed class Pending : IDisposable
    {
        private readonly string path;
        private readonly SequentialFile file;
        private readonly Task writing;
        private bool committed;

        public Pending(string path, IReadOnlyList<(NeuronStatistics Stats, TopActivations Top)> hooks)
        {
            this.path = path;
            file = SequentialFile.CreateNew(Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp"));
            try
            {
                using (var staging = file.StagingStream()) Write(staging, hooks);
            }
            catch
            {
                file.Dispose();
                File.Delete(file.Path);
                throw;
            }
            writing = Task.Factory.StartNew(file.Complete, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        /// <summary>CRC-32C (hex) of the file once committed; the manifest records it.</summary>
        public string? Checksum { get; private set; }

        /// <summary>Waits until the file is on disk and renames it to its final name.</summary>
        public void Commit()
        {
            writing.GetAwaiter().GetResult();
            file.Dispose();
            File.Move(file.Path, path, overwrite: true);
            committed = true;
            Checksum = file.Checksum.Hex;
        }

        public void Dispose()
        {
            try { writing.Wait(); } catch (AggregateException) { }   // abandoned: the file is deleted anyway
            file.Dispose();
            if (!committed) try { File.Delete(file.Path); } catch (IOException) { }
        }
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

    /// <param name="path">The state file.</param>
    /// <param name="hookCount">Hooks the manifest lists.</param>
    /// <param name="checksum">The CRC-32C the manifest recorded for it; null for stores written before checksums (parsed only).</param>
    public static List<(NeuronStatistics Stats, TopActivations Top)> Load(string path, int hookCount, string? checksum)
    {
        try
        {
            if (checksum is not null && Crc32C.OfFile(path) != checksum)
                throw InputException.ForFile(path, "statistics state does not match its checksum in the manifest (the file was changed or damaged); delete the store and record again");
            using var r = new BinaryReader(File.OpenRead(path));
            if (r.ReadInt32() != Magic || r.ReadInt32() != hookCount)
                throw InputException.ForFile(path, "not the statistics state of this store; delete the store and record again");
            var list = new List<(NeuronStatistics, TopActivations)>();
            for (int i = 0; i < hookCount; i++) list.Add((NeuronStatistics.Read(r), TopActivations.Read(r)));
            if (r.BaseStream.Position != r.BaseStream.Length)
                throw InputException.ForFile(path, $"statistics state has {r.BaseStream.Length - r.BaseStream.Position} bytes after its end; delete the store and record again");
            return list;
        }
        catch (Exception e) when (e is EndOfStreamException or FileNotFoundException or ArgumentOutOfRangeException or ArgumentException
            or OverflowException or OutOfMemoryException or InvalidDataException or FormatException)
        {
            throw InputException.ForFile(path, "statistics state is missing or truncated; delete the store and record again", e);
        }
    }
}
