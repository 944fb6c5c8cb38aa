using Interrogate.Formats.Onnx;
using Interrogate.Models.Transformer;
using static Interrogate.Formats.Onnx.OnnxAttribute;

namespace Interrogate.Models.Onnx;

/// <summary>
/// What every layer of the exported graph shares, built once from the ids' shape (the graph's
/// <see cref="ForwardContext"/>): positions, additive attention masks per sliding window, and rotary
/// cos/sin tables per rotary embedding.
/// </summary>
internal sealed class SequenceTensors
{
    private readonly OnnxModuleWriter w;
    private readonly Dictionary<int, string> masks = [];
    private readonly Dictionary<RotaryEmbedding, (string Cos, string Sin)> rotary = new(ReferenceEqualityComparer.Instance);

    public SequenceTensors(OnnxModuleWriter writer, string ids)
    {
        w = writer;
        var g = w.Graph;
        BatchAndLength = w.Node("Shape", [ids]);                                                    // [2] = (B, T)
        Length = w.Node("Gather", [BatchAndLength, g.Int64s([1], scalar: true)], Int("axis", 0));   // scalar T
        Positions = w.Node("Range", [g.Int64s([0], scalar: true), Length, g.Int64s([1], scalar: true)]);   // [T] int64
        PositionsFloat = w.Node("Cast", [Positions], Int("to", 1));                                 // [T] float
    }

    /// <summary>int64 [2]: the batch size and the sequence length.</summary>
    public string BatchAndLength { get; }
    /// <summary>int64 scalar: the sequence length T.</summary>
    public string Length { get; }
    /// <summary>int64 [T]: 0 … T − 1.</summary>
    public string Positions { get; }
    /// <summary>float [T]: 0 … T − 1.</summary>
    public string PositionsFloat { get; }

    /// <summary>
    /// float [T, T]: 0 where query q may see key k (k ≤ q, and q − k &lt; W with a window), float.MinValue
    /// elsewhere, as <see cref="ForwardContext.AttentionBias"/>.
    /// </summary>
    public string Mask(int? window)
    {
        int key = window ?? 0;
        if (masks.TryGetValue(key, out var cached)) return cached;
        var g = w.Graph;
        var queries = w.Node("Unsqueeze", [Positions, g.Int64s([1])]);    // [T, 1]
        var keys = w.Node("Unsqueeze", [Positions, g.Int64s([0])]);       // [1, T]
        var distance = w.Node("Sub", [queries, keys]);                    // [T, T] = q − k
        var visible = w.Node("GreaterOrEqual", [distance, g.Int64s([0], scalar: true)]);
        if (window is { } width) visible = w.Node("And", [visible, w.Node("Less", [distance, g.Int64s([width], scalar: true)])]);
        return masks[key] = w.Node("Where", [visible, g.Scalar(0f), g.Scalar(float.MinValue)]);
    }

    /// <summary>
    /// cos and sin [1, T, 1, R] for <paramref name="embedding"/>, column i at the angle of column i mod R/2,
    /// times the scaling's cos/sin multiplier. Dynamic NTK scaling recomputes the frequencies from T in
    /// the graph, as the model does from each row's length.
    /// </summary>
    public (string Cos, string Sin) Rotary(RotaryEmbedding embedding)
    {
        if (rotary.TryGetValue(embedding, out var cached)) return cached;
        var g = w.Graph;
        var frequencies = InverseFrequencies(embedding);                                         // [1, R/2]
        var angles = w.Node("MatMul", [w.Node("Unsqueeze", [PositionsFloat, g.Int64s([1])]), frequencies]);   // [T, R/2]
        var full = w.Node("Unsqueeze", [w.Node("Concat", [angles, angles], Int("axis", 1)), g.Int64s([0, 2])]);   // [1, T, 1, R]
        string cos = w.Node("Cos", [full]), sin = w.Node("Sin", [full]);
        double amplitude = embedding.Scaling?.CosSinScale ?? 1;
        if (amplitude != 1)
        {
            cos = w.Node("Mul", [cos, g.Scalar((float)amplitude)]);
            sin = w.Node("Mul", [sin, g.Scalar((float)amplitude)]);
        }
        return rotary[embedding] = (cos, sin);
    }

    /// <summary>float [1, R/2]: fixed frequencies, or for dynamic scaling θ' = θ·max(1, f·T/L − (f − 1))^(R/(R−2)) and θ'^(−2i/R).</summary>
    private string InverseFrequencies(RotaryEmbedding embedding)
    {
        var g = w.Graph;
        int r = embedding.RotaryDims, half = r / 2;
        if (embedding.Scaling is not { Kind: RopeScalingKind.Dynamic } dynamic)
        {
            var fixedFrequencies = embedding.Scaling?.InverseFrequencies(embedding.Theta, r, 0)
                ?? RotaryEmbedding.PlainInverseFrequencies(embedding.Theta, r);
            return g.Constant([.. fixedFrequencies.Select(f => (float)f)], 1, half);
        }
        // Below the original context the base is max(1, ·) = 1 times θ: the plain frequencies, as in the model.
        var length = w.Node("Cast", [Length], Int("to", 1));
        var growth = w.Node("Max", [g.Scalar(1f), w.Node("Sub", [
            w.Node("Mul", [length, g.Scalar((float)(dynamic.Factor / dynamic.OriginalContext))]), g.Scalar((float)(dynamic.Factor - 1))])]);
        var logBase = w.Node("Add", [g.Scalar((float)Math.Log(embedding.Theta)), w.Node("Mul", [w.Node("Log", [growth]), g.Scalar(r / (r - 2f))])]);
        var exponents = g.Constant([.. Enumerable.Range(0, half).Select(i => -2f * i / r)], 1, half);
        return w.Node("Exp", [w.Node("Mul", [exponents, logBase])]);
    }
}
