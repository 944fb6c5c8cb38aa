using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using Interrogate.Tensors;

namespace Interrogate.Formats;

/// <summary>
/// A safetensors file, memory-mapped read-only: the header is parsed and validated at
/// <see cref="Open"/>, tensor bytes are only touched when read, and each read converts
/// straight from the mapping into the destination (no intermediate copy of the file).
/// Layout: u64 little-endian header length N, N bytes of UTF-8 JSON, then the data area.
/// Do not truncate the file while it is open (replacing it by rename, as AtomicFile does, is fine).
/// </summary>
public sealed unsafe class SafetensorsFile : ITensorSource
{
    // Converting in slices keeps spans under 2 GB and the working set in cache.
    private const int ChunkElements = 1 << 16;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _data;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;
    private MappingLifetime? _lifetime;
    private bool _disposed;

    public string Path { get; }
    /// <summary>Entries in the order of their bytes in the file.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }
    public IReadOnlyList<string> Names { get; }
    /// <summary>The header's "__metadata__" map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* data, SafetensorsHeader header)
    {
        Path = path;
        _map = map;
        _view = view;
        _data = data;
        Tensors = header.Tensors;
        Names = header.Tensors.Select(t => t.Name).ToArray();
        Metadata = header.Metadata;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>Maps and validates a file; <see cref="SafetensorsFormatException"/> when it breaks the format.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors reading assumes a little-endian machine");
        var stream = OpenStream(path);
        long length = stream.Length;
        if (length < 8)
        {
            stream.Dispose();
            throw new SafetensorsFormatException(path, $"file is {length} bytes, too short for the 8-byte header length");
        }
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            acquired = true;
            start += view.PointerOffset;

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(start, 8));
            if (headerLength > SafetensorsHeader.MaxHeaderBytes)
                throw new SafetensorsFormatException(path, $"header length {headerLength} is over the {SafetensorsHeader.MaxHeaderBytes}-byte limit; is this a safetensors file?");
            if ((long)headerLength > length - 8)
                throw new SafetensorsFormatException(path, $"header length {headerLength} runs past the end of the file ({length} bytes); the file may be truncated");
            var json = new ReadOnlySpan<byte>(start + 8, (int)headerLength).ToArray();
            long dataStart = 8 + (long)headerLength;
            var header = SafetensorsHeader.Parse(path, json, length - dataStart);
            return new SafetensorsFile(path, map, view, start + dataStart, header);
        }
        catch
        {
            if (acquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    private static FileStream OpenStream(string path)
    {
        if (Directory.Exists(path)) throw InputException.ForFile(path, "is a directory, expected a .safetensors file");
        // A FIFO or device reports length 0 and would block or stream forever once opened: refuse it
        // from its length alone, before opening (a real safetensors file is at least 8 bytes).
        IO.SpecialFile.RefusePipe(path);
        if (File.Exists(path) && new FileInfo(path).Length < 8)
            throw new SafetensorsFormatException(path, $"file is {new FileInfo(path).Length} bytes, too short for the 8-byte header length (or not a regular file)");
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw InputException.ForFile(path, "file not found", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw InputException.ForFile(path, $"cannot be opened: {e.Message}", e);
        }
    }

    /// <summary>
    /// When false (the default), reading a float tensor that holds NaN or ±Inf is an
    /// <see cref="InputException"/> naming the file, tensor and element; the CLI's --allow-nonfinite sets it.
    /// </summary>
    public static bool AllowNonFinite { get; set; }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public SafetensorsTensorInfo GetInfo(string name)
    {
        if (_byName.TryGetValue(name, out var info)) return info;
        var examples = string.Join(", ", Names.Take(3).Select(n => $"'{MessageText.Printable(n)}'"));
        throw InputException.ForFile(Path, $"no tensor named '{MessageText.Printable(name)}' ({Names.Count} tensors{(Names.Count > 0 ? $", e.g. {examples}" : "")})");
    }

    public Tensor ReadTensor(string name)
    {
        var info = GetInfo(name);
        if (info.ElementCount > Array.MaxLength)
            throw InputException.ForFile(Path, $"tensor '{MessageText.Printable(name)}' has {info.ElementCount} elements, more than one array can hold");
        var data = new float[info.ElementCount];
        ReadInto(name, data);
        return new Tensor(data, (int[])info.Shape.Clone());
    }

    public void ReadInto(string name, Span<float> destination)
    {
        var info = GetInfo(name);
        if (!info.DType.IsFloat())
            throw InputException.ForFile(Path, $"tensor '{MessageText.Printable(name)}' has dtype {info.DType.HeaderName()}; only float tensors (F64, F32, F16, BF16, F8_E4M3, F8_E5M2) can be read as float32");
        if (destination.Length != info.ElementCount)
            throw InputException.ForFile(Path, $"tensor '{MessageText.Printable(name)}' has {info.ElementCount} elements [{string.Join(", ", info.Shape)}] but the destination holds {destination.Length}");
        ObjectDisposedException.ThrowIf(_disposed, this);

        int size = info.DType.ByteSize();
        byte* source = _data + info.DataBegin;
        for (int done = 0; done < destination.Length; done += ChunkElements)
        {
            int n = Math.Min(ChunkElements, destination.Length - done);
            var converted = destination.Slice(done, n);
            FloatConversion.ToSingle(info.DType, new ReadOnlySpan<byte>(source + (long)done * size, n * size), converted);
            MappedPages.Release(source + (long)done * size, (long)n * size);
            if (!AllowNonFinite && !System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(converted)) ThrowNonFinite(name, converted, done);
        }
    }

    private void ThrowNonFinite(string name, ReadOnlySpan<float> values, int offset)
    {
        int i = 0;
        while (float.IsFinite(values[i])) i++;
        throw InputException.ForFile(Path, $"tensor '{MessageText.Printable(name)}' holds {values[i].ToString(System.Globalization.CultureInfo.InvariantCulture)} at element {offset + i}; " +
            "the weights are damaged (pass --allow-nonfinite to load them anyway)");
    }

    public MappedHalf? MapHalf(string name)
    {
        var info = GetInfo(name);
        Kernels.HalfEncoding encoding;
        if (info.DType == SafetensorsDType.BF16) encoding = Kernels.HalfEncoding.BFloat16;
        else if (info.DType == SafetensorsDType.F16) encoding = Kernels.HalfEncoding.Float16;
        else return null;
        ObjectDisposedException.ThrowIf(_disposed, this);
        var start = (ushort*)(_data + info.DataBegin);
        if (!AllowNonFinite) CheckFinite(name, encoding, start, info.ElementCount);
        lock (_byName) _lifetime ??= new MappingLifetime(_map, _view);
        return new MappedHalf(encoding, (nint)start, _lifetime);
    }

    // All exponent bits set is ±Inf or NaN in both encodings. Pages are let go once checked, so the
    // check does not make the file resident: the kernels fault in what they read.
    private void CheckFinite(string name, Kernels.HalfEncoding encoding, ushort* start, long count)
    {
        ushort mask = encoding == Kernels.HalfEncoding.BFloat16 ? (ushort)0x7F80 : (ushort)0x7C00;
        var masks = new System.Numerics.Vector<ushort>(mask);
        for (long done = 0; done < count; done += ChunkElements)
        {
            int n = (int)Math.Min(ChunkElements, count - done);
            var chunk = new ReadOnlySpan<ushort>(start + done, n);
            int i = 0;
            for (; i <= n - System.Numerics.Vector<ushort>.Count; i += System.Numerics.Vector<ushort>.Count)
                if (System.Numerics.Vector.EqualsAny(new System.Numerics.Vector<ushort>(chunk[i..]) & masks, masks)) break;
            for (; i < n; i++)
                if ((chunk[i] & mask) == mask)
                {
                    float value = encoding == Kernels.HalfEncoding.BFloat16 ? BitConverter.UInt32BitsToSingle((uint)chunk[i] << 16) : (float)BitConverter.UInt16BitsToHalf(chunk[i]);
                    throw InputException.ForFile(Path, $"tensor '{MessageText.Printable(name)}' holds {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} at element {done + i}; " +
                        "the weights are damaged (pass --allow-nonfinite to load them anyway)");
                }
            MappedPages.Release((byte*)(start + done), (long)n * 2);
        }
    }

    /// <summary>A copy of a tensor's raw little-endian bytes, for integer and bool tensors.</summary>
    public byte[] ReadBytes(string name)
    {
        var info = GetInfo(name);
        if (info.ByteLength > Array.MaxLength)
            throw InputException.ForFile(Path, $"tensor '{MessageText.Printable(name)}' is {info.ByteLength} bytes, more than one array can hold");
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new ReadOnlySpan<byte>(_data + info.DataBegin, (int)info.ByteLength).ToArray();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // Tensors still read mapped matrices: the mapping goes when the last of them is collected.
        if (_lifetime is not null) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}

/// <summary>
/// Keeps a file mapping alive for the tensors that read it in place (every <see cref="MappedHalf"/>
/// of the file holds this object); unmaps it when none of them is reachable any more.
/// </summary>
internal sealed class MappingLifetime(MemoryMappedFile map, MemoryMappedViewAccessor view)
{
    ~MappingLifetime()
    {
        view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
        map.Dispose();
    }
}
