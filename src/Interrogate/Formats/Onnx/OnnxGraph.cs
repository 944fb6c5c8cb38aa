using System.Globalization;
using Interrogate.IO;

namespace Interrogate.Formats.Onnx;

/// <summary>
/// Builds an ONNX graph node by node and writes it as a <c>ModelProto</c> (default domain, opset
/// <see cref="Opset"/>). Tensor names are made unique here; inputs and outputs take dimensions that
/// are either fixed (<see cref="long"/>) or symbolic (<see cref="string"/>, e.g. "batch"). Field numbers
/// are those of onnx.proto.
/// </summary>
public sealed class OnnxGraph
{
    /// <summary>Opset 17: LayerNormalization is standard there, and ONNX Runtime 1.17 onwards runs it.</summary>
    public const int Opset = 17;
    private const int IrVersion = 8;   // the IR version that goes with opset 17
    private const int FloatType = 1, Int64Type = 7;

    private readonly List<ProtoMessage> nodes = [];
    private readonly List<ProtoMessage> initializers = [];
    private readonly List<ProtoMessage> inputs = [];
    private readonly List<ProtoMessage> outputs = [];
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> constants = new(StringComparer.Ordinal);
    private int counter;

    public OnnxGraph(string name) => Name = name;

    public string Name { get; }

    /// <summary>A float graph input; returns its name.</summary>
    public string FloatInput(string name, params object[] dims) => Input(name, FloatType, dims);

    /// <summary>An int64 graph input; returns its name.</summary>
    public string Int64Input(string name, params object[] dims) => Input(name, Int64Type, dims);

    /// <summary>Declares <paramref name="tensor"/> a float graph output called <paramref name="name"/> (an Identity node renames it); dims null leaves the shape to inference.</summary>
    public void FloatOutput(string name, string tensor, object[]? dims)
    {
        Claim(name);
        nodes.Add(NodeProto("Identity", [tensor], [name], []));
        outputs.Add(ValueInfo(name, FloatType, dims));
    }

    /// <summary>A float initializer of the given shape (row-major data, not copied); returns its name.</summary>
    public string Weight(string name, ReadOnlyMemory<float> data, params long[] dims)
    {
        if (data.Length != dims.Aggregate(1L, (a, d) => a * d))
            throw new ArgumentException($"initializer {name}: {data.Length} values for shape [{string.Join(", ", dims)}]");
        name = Unique(name);
        initializers.Add(new ProtoMessage().PackedInt64(1, dims).Varint(2, FloatType).String(8, name).RawFloats(9, data));
        return name;
    }

    /// <summary>A float constant (shared between uses of the same values); a scalar when dims is empty.</summary>
    public string Constant(float[] values, params long[] dims)
    {
        var key = "f" + string.Join(",", dims) + ":" + string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        if (constants.TryGetValue(key, out var existing)) return existing;
        return constants[key] = Weight("const", values, dims);
    }

    /// <summary>A scalar float constant.</summary>
    public string Scalar(float value) => Constant([value]);

    /// <summary>An int64 constant, 1-D unless <paramref name="scalar"/>.</summary>
    public string Int64s(long[] values, bool scalar = false)
    {
        var key = (scalar ? "s" : "i") + string.Join(",", values);
        if (constants.TryGetValue(key, out var existing)) return existing;
        var name = Unique("const");
        var tensor = new ProtoMessage();
        if (!scalar) tensor.PackedInt64(1, [values.Length]);
        tensor.Varint(2, Int64Type).PackedInt64(7, values).String(8, name);
        initializers.Add(tensor);
        return constants[key] = name;
    }

    /// <summary>Adds a node with one output; returns the output's name.</summary>
    public string Node(string op, string[] nodeInputs, params OnnxAttribute[] attributes) => Node(op, nodeInputs, 1, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputCount"/> outputs; returns their names.</summary>
    public string[] Node(string op, string[] nodeInputs, int outputCount, params OnnxAttribute[] attributes)
    {
        var produced = Enumerable.Range(0, outputCount).Select(_ => Unique(op.ToLowerInvariant())).ToArray();
        nodes.Add(NodeProto(op, nodeInputs, produced, attributes));
        return produced;
    }

    /// <summary>Writes the model atomically (temp file, then rename).</summary>
    public void Save(string path, string producerVersion)
    {
        var model = Model(producerVersion);
        if (model.Size > int.MaxValue)
            throw new InputException($"{path}: the model needs {model.Size >> 20} MiB, more than the 2 GiB one ONNX file can hold (files with external data are not written yet)");
        AtomicFile.Write(path, model.WriteTo);
    }

    /// <summary>The serialised model.</summary>
    public byte[] ToBytes(string producerVersion)
    {
        using var memory = new MemoryStream();
        Model(producerVersion).WriteTo(memory);
        return memory.ToArray();
    }

    private ProtoMessage Model(string producerVersion)
    {
        var graph = new ProtoMessage();
        foreach (var n in nodes) graph.Message(1, n);
        graph.String(2, Name);
        foreach (var t in initializers) graph.Message(5, t);
        foreach (var i in inputs) graph.Message(11, i);
        foreach (var o in outputs) graph.Message(12, o);
        return new ProtoMessage()
            .Varint(1, IrVersion)
            .String(2, "interrogate")
            .String(3, producerVersion)
            .Message(7, graph)
            .Message(8, new ProtoMessage().String(1, "").Varint(2, Opset));
    }

    private string Input(string name, int type, object[] dims)
    {
        Claim(name);
        inputs.Add(ValueInfo(name, type, dims));
        return name;
    }

    private static ProtoMessage NodeProto(string op, string[] nodeInputs, string[] nodeOutputs, OnnxAttribute[] attributes)
    {
        var node = new ProtoMessage();
        foreach (var i in nodeInputs) node.String(1, i);
        foreach (var o in nodeOutputs) node.String(2, o);
        node.String(3, nodeOutputs[0]).String(4, op);
        foreach (var a in attributes) node.Message(5, a.ToProto());
        return node;
    }

    private static ProtoMessage ValueInfo(string name, int elementType, object[]? dims)
    {
        var tensorType = new ProtoMessage().Varint(1, elementType);
        if (dims is not null)
        {
            var shape = new ProtoMessage();
            foreach (var d in dims)
                shape.Message(1, d is string symbol ? new ProtoMessage().String(2, symbol) : new ProtoMessage().Varint(1, Convert.ToInt64(d, CultureInfo.InvariantCulture)));
            tensorType.Message(2, shape);
        }
        return new ProtoMessage().String(1, name).Message(2, new ProtoMessage().Message(1, tensorType));
    }

    private void Claim(string name)
    {
        if (!names.Add(name)) throw new ArgumentException($"ONNX name '{name}' is used twice");
    }

    private string Unique(string stem)
    {
        var name = stem;
        while (!names.Add(name)) name = $"{stem}_{counter++.ToString(CultureInfo.InvariantCulture)}";
        return name;
    }
}
