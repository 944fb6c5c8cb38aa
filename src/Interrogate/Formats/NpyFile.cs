using System.Runtime.InteropServices;
using System.Text;

namespace Interrogate.Formats;

/// <summary>
/// Reads a NumPy .npy file holding a float32 matrix [N, d] (little-endian, C order), the form a user
/// brings activations in. The header is checked and rows are read on demand, so the file is never
/// loaded whole. Anything else (other dtypes, Fortran order, other ranks) is an <see cref="InputException"/>.
/// </summary>
public sealed class NpyFile : IDisposable
{
    private readonly FileStream stream;
    private readonly long dataStart;

    private NpyFile(string path, FileStream stream, long dataStart, long rows, int columns)
    {
        (Path, this.stream, this.dataStart, Rows, Columns) = (path, stream, dataStart, rows, columns);
    }

    public string Path { get; }
    public long Rows { get; }
    public int Columns { get; }

    public static NpyFile Open(string path)
    {
        if (!File.Exists(path)) throw InputException.ForFile(path, "file not found");
        IO.SpecialFile.RefusePipe(path);   // opening a FIFO would wait for a writer forever
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            Span<byte> head = stackalloc byte[10];
            if (stream.Read(head) != 10 || head[0] != 0x93 || !head[1..6].SequenceEqual("NUMPY"u8))
                throw InputException.ForFile(path, "not a .npy file (no \\x93NUMPY magic)");
            int major = head[6];
            int headerLength = major == 1 ? head[8] | head[9] << 8 : ReadInt32(stream, head);
            if (major is not (1 or 2 or 3)) throw InputException.ForFile(path, $".npy version {major} is not supported");
            if (headerLength is < 1 or > 1 << 20) throw InputException.ForFile(path, $"implausible .npy header length {headerLength}");
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            string text = Encoding.Latin1.GetString(header);
            if (!text.Contains("'descr': '<f4'", StringComparison.Ordinal) && !text.Contains("'descr': '=f4'", StringComparison.Ordinal))
                throw InputException.ForFile(path, "holds no float32 array (descr must be '<f4'); save with np.asarray(x, dtype=np.float32)");
            if (text.Contains("'fortran_order': True", StringComparison.Ordinal))
                throw InputException.ForFile(path, "is in Fortran order; save with np.ascontiguousarray(x)");
            var shape = Shape(text, path);
            long dataStart = stream.Position;
            if (dataStart + shape.Rows * shape.Columns * 4 > stream.Length)
                throw InputException.ForFile(path, $"is truncated: [{shape.Rows}, {shape.Columns}] float32 needs {shape.Rows * shape.Columns * 4} bytes of data");
            return new NpyFile(path, stream, dataStart, shape.Rows, shape.Columns);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static int ReadInt32(FileStream stream, ReadOnlySpan<byte> head)
    {
        Span<byte> rest = stackalloc byte[2];
        stream.ReadExactly(rest);
        return head[8] | head[9] << 8 | rest[0] << 16 | rest[1] << 24;
    }

    private static (long Rows, int Columns) Shape(string header, string path)
    {
        int at = header.IndexOf("'shape':", StringComparison.Ordinal);
        int open = at < 0 ? -1 : header.IndexOf('(', at), close = open < 0 ? -1 : header.IndexOf(')', open);
        if (close < 0) throw InputException.ForFile(path, "has no shape in its .npy header");
        var dims = header[(open + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (dims.Length != 2 || !long.TryParse(dims[0], out long rows) || !int.TryParse(dims[1], out int cols) || rows < 1 || cols < 1)
            throw InputException.ForFile(path, $"must hold a non-empty 2-D array [N, d], has shape ({header[(open + 1)..close]})");
        return (rows, cols);
    }

    /// <summary>Rows [start, start + count) into destination [count, Columns].</summary>
    public void ReadRows(long start, int count, Span<float> destination)
    {
        stream.Position = dataStart + start * Columns * 4;
        stream.ReadExactly(MemoryMarshal.AsBytes(destination[..(count * Columns)]));
    }

    public void Dispose() => stream.Dispose();
}
