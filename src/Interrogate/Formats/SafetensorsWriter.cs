using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using Interrogate.IO;
using Interrogate.Tensors;

namespace Interrogate.Formats;

/// <summary>
/// Writes float32 tensors as a safetensors file, atomically (temp file, then rename).
/// Tensors are stored in the order given, each converted to one dtype (F32, F16 or BF16),
/// with no gaps between them. The header JSON is padded with spaces to a multiple of 8 bytes,
/// as the reference implementation does, so the data area starts 8-byte aligned.
/// </summary>
public static class SafetensorsWriter
{
    private const int ChunkElements = 1 << 16;

    // Names are stored as UTF-8, not \u-escaped; the header is never embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="path">Target file; replaced atomically if it exists.</param>
    /// <param name="tensors">Names (unique, not "__metadata__") and tensors of any shape; non-contiguous ones are copied first.</param>
    /// <param name="metadata">Optional "__metadata__" string map (e.g. {"format": "pt"}).</param>
    /// <param name="dtype">F32 (exact), F16 or BF16 (rounded to nearest even).</param>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, SafetensorsDType dtype = SafetensorsDType.F32)
    {
        if (dtype is not (SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16))
            throw new ArgumentException($"writing {dtype.HeaderName()} is not supported (use F32, F16 or BF16)", nameof(dtype));
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, _) in list)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(tensors));
            if (name == SafetensorsHeader.MetadataKey) throw new ArgumentException($"'{name}' is reserved and cannot name a tensor", nameof(tensors));
            if (!names.Add(name)) throw new ArgumentException($"tensor name '{name}' is given twice", nameof(tensors));
        }
        var header = BuildHeader(list, metadata, dtype);

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            int size = dtype.ByteSize();
            var buffer = new byte[ChunkElements * size];
            foreach (var (_, tensor) in list)
            {
                var data = tensor.ContiguousData().Span;
                for (int done = 0; done < data.Length; done += ChunkElements)
                {
                    int n = Math.Min(ChunkElements, data.Length - done);
                    FloatConversion.FromSingle(dtype, data.Slice(done, n), buffer.AsSpan(0, n * size));
                    stream.Write(buffer, 0, n * size);
                }
            }
        });
    }

    /// <summary>The header JSON, UTF-8, space-padded to a multiple of 8 bytes.</summary>
    private static byte[] BuildHeader(List<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata, SafetensorsDType dtype)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                long bytes = (long)tensor.Size * dtype.ByteSize();
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype.HeaderName());
                json.WriteStartArray("shape");
                foreach (var dim in tensor.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        int padding = (8 - buffer.WrittenCount % 8) % 8;
        var header = new byte[buffer.WrittenCount + padding];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }
}
