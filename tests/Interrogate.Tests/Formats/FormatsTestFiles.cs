using System.Buffers.Binary;
using System.Text;

namespace Interrogate.Tests.Formats;

/// <summary>A temp folder deleted on dispose, plus builders for hand-made safetensors bytes.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("interrogate-formats-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, byte[] bytes)
    {
        var path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class RawSafetensors
{
    /// <summary>u64 little-endian header length, the header as given, then the data bytes.</summary>
    public static byte[] Build(string header, byte[] data) => Build(Encoding.UTF8.GetBytes(header), data);

    public static byte[] Build(byte[] header, byte[] data) => WithLength((ulong)header.Length, [.. header, .. data]);

    /// <summary>Any declared header length followed by arbitrary bytes.</summary>
    public static byte[] WithLength(ulong headerLength, byte[] rest)
    {
        var bytes = new byte[8 + rest.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength);
        rest.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte[] Floats(params float[] values) =>
        values.SelectMany(BitConverter.GetBytes).ToArray();
}
