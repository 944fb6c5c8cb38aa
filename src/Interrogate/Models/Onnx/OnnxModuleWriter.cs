using Interrogate.Formats.Onnx;
using Interrogate.Nn;
using Interrogate.Tensors;
using static Interrogate.Formats.Onnx.OnnxAttribute;

namespace Interrogate.Models.Onnx;

/// <summary>
/// Writes the layers every model shares (Linear, LayerNorm, RmsNorm, activations) into an ONNX graph
/// and turns requested hook points into extra graph outputs named as our hooks. Initializers are named
/// by the parameter's path in the module tree ("blocks.0.attn.qkv.weight"; ".T" marks a transposed copy).
/// </summary>
internal sealed class OnnxModuleWriter
{
    private readonly Dictionary<Tensor, string> parameterNames = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, string> written = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> hooks;

    public OnnxModuleWriter(OnnxGraph graph, Module root, IEnumerable<string> hooks)
    {
        Graph = graph;
        foreach (var (name, tensor) in root.NamedParameters()) parameterNames.TryAdd(tensor, name);
        this.hooks = new HashSet<string>(hooks, StringComparer.Ordinal);
    }

    public OnnxGraph Graph { get; }

    /// <summary>The hook names turned into outputs so far, in graph order.</summary>
    public List<string> Exported { get; } = [];

    public string Node(string op, string[] inputs, params OnnxAttribute[] attributes) => Graph.Node(op, inputs, attributes);

    /// <summary>The parameter as an initializer of its own shape (written once however often it is used).</summary>
    public string Parameter(Tensor p)
    {
        if (written.TryGetValue(p, out var name)) return name;
        var data = p.IsContiguous ? p.Storage.AsMemory(p.Offset, p.Size) : p.ToArray();
        return written[p] = Graph.Weight(NameOf(p), data, [.. p.Shape.Select(d => (long)d)]);
    }

    /// <summary>x·Wᵀ + b for x of any rank [.., in] → [.., out]: MatMul with Wᵀ [in, out] stored transposed, as exporters of nn.Linear do.</summary>
    public string Linear(Linear layer, string x)
    {
        var w = layer.Weight;   // [out, in]
        int rows = w.Shape[0], cols = w.Shape[1];
        var source = w.ToArray();
        var transposed = new float[source.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) transposed[c * rows + r] = source[r * cols + c];
        var y = Node("MatMul", [x, Graph.Weight(NameOf(w) + ".T", transposed, cols, rows)]);
        return layer.Bias is { } b ? Node("Add", [y, Parameter(b)]) : y;
    }

    /// <summary>x [N, in] → [N, out] as one Gemm reading W [out, in] as stored (transB).</summary>
    public string Gemm(Tensor weight, Tensor? bias, string x)
    {
        string[] inputs = bias is null ? [x, Parameter(weight)] : [x, Parameter(weight), Parameter(bias)];
        return Node("Gemm", inputs, Int("transB", 1));
    }

    /// <summary>The norm's output, with its <c>hook_normalized</c>.</summary>
    public string Norm(Normalization norm, string x)
    {
        var y = norm switch
        {
            LayerNorm ln => Node("LayerNormalization", [x, Parameter(ln.Weight), Parameter(ln.Bias)], Int("axis", -1), Float("epsilon", ln.Eps)),
            RmsNorm rms => RmsNorm(rms, x),
            _ => throw new NotSupportedException($"no ONNX export for {norm.GetType().Name}"),
        };
        return Hook(norm.HookNormalized, y);
    }

    /// <summary>x/√(mean(x²) + eps)·(offset + w), from standard ops (ONNX Runtime fuses the pattern).</summary>
    private string RmsNorm(RmsNorm norm, string x)
    {
        var meanSquare = Node("ReduceMean", [Node("Mul", [x, x])], Ints("axes", -1), Int("keepdims", 1));
        var normalized = Node("Div", [x, Node("Sqrt", [Node("Add", [meanSquare, Graph.Scalar(norm.Eps)])])]);
        string scale;
        if (norm.Offset == 0f) scale = Parameter(norm.Weight);
        else
        {
            // The model adds the offset in float before scaling, so the stored scale is that sum.
            var shifted = norm.Weight.ToArray().Select(w => w + norm.Offset).ToArray();
            scale = Graph.Weight(NameOf(norm.Weight) + "+offset", shifted, shifted.Length);
        }
        return Node("Mul", [normalized, scale]);
    }

    /// <summary>The named activation (Hugging Face names, as <see cref="Activation"/>).</summary>
    public string Activate(string name, string x) => name switch
    {
        "relu" => Node("Relu", [x]),
        "tanh" => Node("Tanh", [x]),
        "sigmoid" => Node("Sigmoid", [x]),
        "silu" or "swish" => Node("Mul", [x, Node("Sigmoid", [x])]),
        // ½x(1 + erf(x/√2))
        "gelu" => Node("Mul", [Node("Mul", [x, Graph.Scalar(0.5f)]),
            Node("Add", [Graph.Scalar(1f), Node("Erf", [Node("Div", [x, Graph.Scalar(MathF.Sqrt(2f))])])])]),
        // ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => Node("Mul", [Node("Mul", [x, Graph.Scalar(0.5f)]),
            Node("Add", [Graph.Scalar(1f), Node("Tanh", [Node("Mul", [Graph.Scalar(MathF.Sqrt(2f / MathF.PI)),
                Node("Add", [x, Node("Mul", [Graph.Scalar(0.044715f), Node("Mul", [x, Node("Mul", [x, x])])])])])])])]),
        _ => throw new InputException($"unknown activation '{name}' (known: {string.Join(", ", Nn.Activation.Names)})"),
    };

    /// <summary>Passes x through; when the hook was asked for, also makes it a graph output named as the hook.</summary>
    public string Hook(HookPoint hook, string x)
    {
        if (!hooks.Contains(hook.FullName)) return x;
        Graph.FloatOutput(hook.FullName, x, SymbolicShape(hook));
        Exported.Add(hook.FullName);
        return x;
    }

    /// <summary>
    /// The hook's declared shape with batch and sequence symbolic, read by asking for the shape at two
    /// sentinel sizes no model has; null (shape left to inference) when the hook declares none.
    /// </summary>
    private static object[]? SymbolicShape(HookPoint hook)
    {
        const int batch = 1_000_003, sequence = 1_000_033;
        return hook.ShapeOf?.Invoke(batch, sequence).Select(d => d switch
        {
            batch => "batch",
            sequence => "sequence",
            _ => (object)(long)d,
        }).ToArray();
    }

    private string NameOf(Tensor p) => parameterNames.TryGetValue(p, out var name) ? name : "weight";
}
