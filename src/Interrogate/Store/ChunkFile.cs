using Interrogate.IO;
using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Interrogate.Kernels;

namespace Interrogate.Store;

/// <summary>
/// One hook point's activations for one chunk: a 32-byte header ("IACT", int32 bytes per value — 4
/// float32 or 2 float16 —, int32 width, int32 0, int64 rows, 8 zero bytes), then [rows, width]
/// little-endian, row-major. Written beside its final name and renamed when complete, so a file under
/// the final name is always whole.
/// </summary>
internal static class ChunkFile
{
    public const int HeaderBytes = 32;
    private static ReadOnlySpan<byte> Magic => "IACT"u8;

    public static string Name(string hook, int chunk) => $"{hook}.{chunk:D5}.act";

    public static int BytesPerValue(StorePrecision p) => p == StorePrecision.Float32 ? 4 : 2;

    /// <summary>
    /// Streams rows into a temp file; <see cref="Commit"/> renames it into place. Each
    /// <see cref="Append"/> converts its rows (on <see cref="Parallelism.Threads"/> threads) straight
    /// into the file's staging buffer (<see cref="SequentialFile"/>: page-cache-bypassing writes where
    /// the system allows) and writes them on a background thread, so the write overlaps the caller's
    /// next forward pass; the next Append first waits for it, so at most one batch per file is in
    /// flight. After the last row the file is completed (padded, truncated, synced) in the background too.
    /// </summary>
    public sealed class Writer : IDisposable
    {
        private readonly string path;
        private readonly SequentialFile file;
        private readonly StorePrecision precision;
        private readonly int width;
        private readonly long rows;
        private long written;
        private Task? writing;

        public Writer(string path, StorePrecision precision, int width, long rows)
        {
            this.path = path;
            this.precision = precision;
            this.width = width;
            this.rows = rows;
            file = SequentialFile.CreateNew(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp"));
            var header = file.Stage(HeaderBytes);
            header.Clear();
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], BytesPerValue(precision));
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], width);
            BinaryPrimitives.WriteInt64LittleEndian(header[16..], rows);
        }

        /// <param name="values">[n, width], row-major; copied (converted) before this returns.</param>
        public void Append(ReadOnlySpan<float> values)
        {
            if (values.Length % width != 0 || written + values.Length / width > rows)
                throw new ArgumentException($"{values.Length} values do not fit the chunk's remaining rows of width {width}");
            writing?.GetAwaiter().GetResult();   // the staging buffer is free again
            written += values.Length / width;
            var bytes = file.Stage(values.Length * BytesPerValue(precision));
            if (precision == StorePrecision.Float32) MemoryMarshal.AsBytes(values).CopyTo(bytes);
            else ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(bytes));
            bool last = written == rows;
            writing = Task.Factory.StartNew(() =>   // a thread of its own: a pool thread blocked on the disk would be one fewer for the kernels
            {
                file.Write();
                if (last) file.Complete();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        /// <summary>CRC-32C (hex) of the whole file, header included, once committed; the manifest records it.</summary>
        public string? Checksum { get; private set; }

        /// <summary>Checks every row arrived, waits for the bytes to be on disk and renames the file into place.</summary>
        public void Commit()
        {
            if (written != rows) throw new InvalidOperationException($"chunk {path} got {written} of {rows} rows");
            writing!.GetAwaiter().GetResult();
            file.Dispose();
            File.Move(file.Path, path, overwrite: true);
            Checksum = file.Checksum.Hex;
        }

        public void Dispose()
        {
            try { writing?.Wait(); } catch (AggregateException) { }   // abandoned: the file is deleted anyway
            file.Dispose();
            try { File.Delete(file.Path); } catch (IOException) { }
        }

        /// <summary>Float32 to float16, split over <see cref="Parallelism.Threads"/> threads.</summary>
        private static unsafe void ConvertToHalf(ReadOnlySpan<float> from, Span<Half> to)
        {
            int pieces = Math.Max(1, Math.Min(Parallelism.Threads, from.Length / (1 << 16)));
            fixed (float* source = from)
            fixed (Half* target = to)
            {
                nint src = (nint)source, dst = (nint)target;
                int length = from.Length;
                Parallelism.For(pieces, i =>
                {
                    int start = (int)((long)length * i / pieces), end = (int)((long)length * (i + 1) / pieces);
                    TensorPrimitives.ConvertToHalf(new ReadOnlySpan<float>((float*)src + start, end - start), new Span<Half>((Half*)dst + start, end - start));
                });
            }
        }
    }

    /// <summary>
    /// The chunk file is there, has exactly the length its manifest entry implies, and its header says
    /// so too; an <see cref="InputException"/> naming the file otherwise. Reads 32 bytes, maps nothing.
    /// </summary>
    public static void Check(string path, int width, long rows, StorePrecision precision)
    {
        int bytesPerValue = BytesPerValue(precision);
        var info = new FileInfo(path);
        if (!info.Exists) throw InputException.ForFile(path, "activation chunk listed in the manifest is missing; delete the store and record again");
        if (info.Length != HeaderBytes + rows * width * bytesPerValue)
            throw InputException.ForFile(path, $"activation chunk is {info.Length} bytes, expected {HeaderBytes + rows * width * bytesPerValue}; delete the store and record again");
        Span<byte> header = stackalloc byte[HeaderBytes];
        using (var stream = File.OpenRead(path)) stream.ReadExactly(header);
        if (!header[..4].SequenceEqual(Magic) || BinaryPrimitives.ReadInt32LittleEndian(header[4..]) != bytesPerValue
            || BinaryPrimitives.ReadInt32LittleEndian(header[8..]) != width || BinaryPrimitives.ReadInt64LittleEndian(header[16..]) != rows)
            throw InputException.ForFile(path, "activation chunk header does not match the manifest (damaged or from another store); delete the store and record again");
    }

    /// <summary>
    /// The chunk file's bytes match the CRC-32C its manifest recorded: values damaged inside a file of
    /// the right length with an intact header are an error naming the file, not activations read as
    /// if they were real. Reads the whole file once.
    /// </summary>
    public static void CheckSum(string path, string expected)
    {
        if (Crc32C.OfFile(path) != expected)
            throw InputException.ForFile(path, "activation chunk does not match its checksum in the manifest (the file was changed or damaged); delete the store and record again");
    }

    /// <summary>A chunk file mapped read-only; slices are converted to float32 on read.</summary>
    public sealed unsafe class Reader : IDisposable
    {
        private readonly MemoryMappedFile map;
        private readonly MemoryMappedViewAccessor view;
        private readonly byte* data;

        public Reader(string path, int width, long rows, StorePrecision precision)
        {
            Width = width;
            Rows = rows;
            BytesPerValue = ChunkFile.BytesPerValue(precision);
            Check(path, width, rows, precision);
            map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            data = start + view.PointerOffset + HeaderBytes;
        }

        public int Width { get; }
        public long Rows { get; }
        public int BytesPerValue { get; }

        /// <summary>Rows [row, row + destination.Length / Width) into destination ([n, Width]).</summary>
        public void ReadRows(long row, Span<float> destination)
        {
            long n = destination.Length / Width;
            if (row < 0 || row + n > Rows) throw new ArgumentOutOfRangeException(nameof(row));
            byte* p = data + row * Width * BytesPerValue;
            if (BytesPerValue == 4) new ReadOnlySpan<float>(p, destination.Length).CopyTo(destination);
            else TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(p, destination.Length), destination);
        }

        /// <summary>One neuron over rows [row, row + destination.Length).</summary>
        public void ReadColumn(int neuron, long row, Span<float> destination)
        {
            if ((uint)neuron >= (uint)Width || row < 0 || row + destination.Length > Rows) throw new ArgumentOutOfRangeException(nameof(neuron));
            if (BytesPerValue == 4)
            {
                float* f = (float*)data + row * Width + neuron;
                for (int i = 0; i < destination.Length; i++) destination[i] = f[(long)i * Width];
            }
            else
            {
                Half* h = (Half*)data + row * Width + neuron;
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)h[(long)i * Width];
            }
        }

        public void Dispose()
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            map.Dispose();
        }
    }
}
