using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using Interrogate.IO;

namespace Interrogate.Data.Corpora;

/// <summary>
/// A flat file of token ids, read memory-mapped so a corpus larger than memory never has to fit in it.
/// Layout: 16-byte header ("ITOK", int32 bytes per token — 2 for uint16 when the vocabulary has at most
/// 65,535 ids, else 4 for int32 —, int64 token count), then the ids, little-endian, with no gaps.
/// </summary>
public sealed unsafe class TokenFile : IDisposable
{
    private const int HeaderBytes = 16;
    private static ReadOnlySpan<byte> Magic => "ITOK"u8;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _data;

    private TokenFile(string path, int width, long count)
    {
        Path = path;
        BytesPerToken = width;
        Count = count;
        if (count == 0) return;
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* start = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        _data = start + _view.PointerOffset + HeaderBytes;
    }

    public string Path { get; }
    public int BytesPerToken { get; }
    public long Count { get; }

    /// <summary>2 (uint16) when every id fits, else 4 (int32).</summary>
    public static int WidthFor(int vocabSize) => vocabSize <= ushort.MaxValue ? 2 : 4;

    public static TokenFile Open(string path)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        using (var stream = File.OpenRead(path))
        {
            if (stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes || !header[..4].SequenceEqual(Magic))
                throw InputException.ForFile(path, "not an Interrogate token file; delete it and it will be rebuilt");
            int width = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
            long count = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
            if (width is not (2 or 4) || count < 0 || HeaderBytes + count * width != stream.Length)
                throw InputException.ForFile(path, "token file is truncated or damaged; delete it and it will be rebuilt");
            return new TokenFile(path, width, count);
        }
    }

    /// <summary>Copies ids [start, start + destination.Length) into <paramref name="destination"/>.</summary>
    public void Read(long start, Span<int> destination)
    {
        if (start < 0 || start + destination.Length > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"tokens [{start}, {start + destination.Length}) outside 0..{Count}");
        if (BytesPerToken == 2)
        {
            var source = new ReadOnlySpan<ushort>(_data + start * 2, destination.Length);
            for (int i = 0; i < source.Length; i++) destination[i] = source[i];
        }
        else new ReadOnlySpan<int>(_data + start * 4, destination.Length).CopyTo(destination);
    }

    /// <summary>Reads a range into a new array.</summary>
    public int[] Read(long start, int count)
    {
        var ids = new int[count];
        Read(start, ids);
        return ids;
    }

    /// <summary>
    /// Writes the ids each call to <paramref name="produce"/> hands over (e.g. one document at a time),
    /// streaming to disk, atomically: a half-written file never appears under <paramref name="path"/>.
    /// </summary>
    public static long Write(string path, int vocabSize, Action<Action<ReadOnlySpan<int>>> produce)
    {
        int width = WidthFor(vocabSize);
        long count = 0;
        AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[HeaderBytes]);
            var buffer = new byte[1 << 16];
            produce(ids =>
            {
                for (int done = 0; done < ids.Length;)
                {
                    int n = Math.Min(ids.Length - done, buffer.Length / width);
                    for (int i = 0; i < n; i++)
                    {
                        int id = ids[done + i];
                        if ((uint)id >= (uint)vocabSize) throw new ArgumentOutOfRangeException(nameof(produce), $"token id {id} outside 0..{vocabSize - 1}");
                        if (width == 2) BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(i * 2), (ushort)id);
                        else BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(i * 4), id);
                    }
                    stream.Write(buffer, 0, n * width);
                    done += n;
                }
                count += ids.Length;
            });
            Span<byte> header = stackalloc byte[HeaderBytes];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], width);
            BinaryPrimitives.WriteInt64LittleEndian(header[8..], count);
            stream.Position = 0;
            stream.Write(header);
        });
        return count;
    }

    public void Dispose()
    {
        if (_view is null) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map!.Dispose();
    }
}
