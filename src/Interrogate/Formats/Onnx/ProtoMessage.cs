using System.Runtime.InteropServices;
using Google.Protobuf;

namespace Interrogate.Formats.Onnx;

/// <summary>
/// One protobuf message as a list of fields, written with Google.Protobuf's <see cref="CodedOutputStream"/>.
/// ONNX needs only a few field kinds, so a message is built by hand rather than from generated classes:
/// that keeps onnx.proto (and protoc) out of the build, and lets weight arrays be written straight from
/// the model's float arrays without a copy. Sizes are computed before writing, as protobuf's length
/// prefixes require; a message is limited to 2 GiB (protobuf's own limit).
/// </summary>
public sealed class ProtoMessage
{
    private readonly List<Field> fields = [];
    private long? size;

    public ProtoMessage Varint(int number, long value)
    {
        fields.Add(new Field(number, FieldKind.Varint, value, null, null, default));
        return Changed();
    }

    public ProtoMessage Float(int number, float value)
    {
        fields.Add(new Field(number, FieldKind.Fixed32, BitConverter.SingleToInt32Bits(value), null, null, default));
        return Changed();
    }

    public ProtoMessage String(int number, string value) => Bytes(number, System.Text.Encoding.UTF8.GetBytes(value));

    public ProtoMessage Bytes(int number, byte[] value)
    {
        fields.Add(new Field(number, FieldKind.Bytes, 0, value, null, default));
        return Changed();
    }

    /// <summary>Little-endian floats as one length-delimited field (ONNX's raw_data); the array is not copied.</summary>
    public ProtoMessage RawFloats(int number, ReadOnlyMemory<float> value)
    {
        fields.Add(new Field(number, FieldKind.RawFloats, 0, null, null, value));
        return Changed();
    }

    /// <summary>Packed repeated int64 (ONNX's int64_data and ints).</summary>
    public ProtoMessage PackedInt64(int number, IReadOnlyList<long> values)
    {
        var packed = new ProtoMessage();
        foreach (var v in values) packed.fields.Add(new Field(0, FieldKind.BareVarint, v, null, null, default));
        fields.Add(new Field(number, FieldKind.Message, 0, null, packed, default));
        return Changed();
    }

    public ProtoMessage Message(int number, ProtoMessage value)
    {
        fields.Add(new Field(number, FieldKind.Message, 0, null, value, default));
        return Changed();
    }

    /// <summary>Encoded size in bytes, without this message's own tag and length.</summary>
    public long Size => size ??= fields.Sum(FieldSize);

    /// <summary>Writes the message (without tag or length) to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        if (Size > int.MaxValue)
            throw new InvalidOperationException($"an ONNX protobuf is limited to 2 GiB; this one would be {Size / (1 << 20)} MiB");
        using var output = new CodedOutputStream(stream, leaveOpen: true);
        WriteTo(output, stream);
        output.Flush();
    }

    private void WriteTo(CodedOutputStream output, Stream stream)
    {
        foreach (var f in fields)
        {
            switch (f.Kind)
            {
                case FieldKind.Varint:
                    output.WriteTag(f.Number, WireFormat.WireType.Varint);
                    output.WriteInt64(f.Value);
                    break;
                case FieldKind.BareVarint:
                    output.WriteInt64(f.Value);
                    break;
                case FieldKind.Fixed32:
                    output.WriteTag(f.Number, WireFormat.WireType.Fixed32);
                    output.WriteFixed32((uint)f.Value);
                    break;
                case FieldKind.Bytes:
                    output.WriteTag(f.Number, WireFormat.WireType.LengthDelimited);
                    output.WriteBytes(UnsafeByteOperations.UnsafeWrap(f.Bytes));
                    break;
                case FieldKind.RawFloats:
                    output.WriteTag(f.Number, WireFormat.WireType.LengthDelimited);
                    output.WriteLength(f.Floats.Length * sizeof(float));
                    // The stream is written directly after a flush, so weights never pass through a copy.
                    output.Flush();
                    stream.Write(MemoryMarshal.AsBytes(f.Floats.Span));
                    break;
                case FieldKind.Message:
                    output.WriteTag(f.Number, WireFormat.WireType.LengthDelimited);
                    output.WriteLength((int)f.Nested!.Size);
                    f.Nested.WriteTo(output, stream);
                    break;
            }
        }
    }

    private static long FieldSize(Field f)
    {
        long tag = CodedOutputStream.ComputeTagSize(f.Number);
        return f.Kind switch
        {
            FieldKind.Varint => tag + CodedOutputStream.ComputeInt64Size(f.Value),
            FieldKind.BareVarint => CodedOutputStream.ComputeInt64Size(f.Value),
            FieldKind.Fixed32 => tag + 4,
            FieldKind.Bytes => tag + CodedOutputStream.ComputeLengthSize(f.Bytes!.Length) + f.Bytes.Length,
            FieldKind.RawFloats => tag + LengthSize(f.Floats.Length * 4L) + f.Floats.Length * 4L,
            _ => tag + LengthSize(f.Nested!.Size) + f.Nested.Size,
        };
    }

    private static int LengthSize(long length) => length > int.MaxValue ? 5 : CodedOutputStream.ComputeLengthSize((int)length);

    private ProtoMessage Changed()
    {
        size = null;
        return this;
    }

    private enum FieldKind { Varint, BareVarint, Fixed32, Bytes, RawFloats, Message }

    private readonly record struct Field(int Number, FieldKind Kind, long Value, byte[]? Bytes, ProtoMessage? Nested, ReadOnlyMemory<float> Floats);
}
