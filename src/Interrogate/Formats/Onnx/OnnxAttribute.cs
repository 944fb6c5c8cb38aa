namespace Interrogate.Formats.Onnx;

/// <summary>A node attribute (onnx.proto AttributeProto): an int, a float, a list of ints or a string.</summary>
public sealed class OnnxAttribute
{
    private readonly Func<ProtoMessage, ProtoMessage> fill;

    private OnnxAttribute(string name, Func<ProtoMessage, ProtoMessage> fill)
    {
        Name = name;
        this.fill = fill;
    }

    public string Name { get; }

    // AttributeProto: name = 1, f = 2, i = 3, s = 4, ints = 8, type = 20 (FLOAT 1, INT 2, STRING 3, INTS 7).
    public static OnnxAttribute Int(string name, long value) => new(name, m => m.Varint(3, value).Varint(20, 2));

    public static OnnxAttribute Float(string name, float value) => new(name, m => m.Float(2, value).Varint(20, 1));

    public static OnnxAttribute Ints(string name, params long[] values) => new(name, m => m.PackedInt64(8, values).Varint(20, 7));

    public static OnnxAttribute String(string name, string value) => new(name, m => m.String(4, value).Varint(20, 3));

    internal ProtoMessage ToProto() => fill(new ProtoMessage().String(1, Name));
}
