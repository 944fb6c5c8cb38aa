using Interrogate.Models.Transformer;
using static Interrogate.Formats.Onnx.OnnxAttribute;

namespace Interrogate.Models.Onnx;

/// <summary>
/// <see cref="Attention"/> as ONNX nodes with its options: q/k/v from the fused projection, rotary
/// (full or partial), grouped-query heads, the score scale, tanh soft-capping, causal and sliding-window
/// masks. Every hook of the layer can be an output; the pattern is always materialised (ONNX has no
/// fused attention in the standard domain at this opset).
/// </summary>
internal static class AttentionOnnx
{
    /// <summary>x: [B, T, D] → [B, T, D].</summary>
    public static string Write(OnnxModuleWriter w, Attention attn, SequenceTensors sequence, string x)
    {
        var g = w.Graph;
        int h = attn.Heads, hk = attn.KeyValueHeads, dh = attn.HeadDim;
        var qkv = w.Linear(attn.Qkv, x);                                                         // [B, T, (H + 2·Hk)·Dh]
        var parts = g.Node("Split", [qkv, g.Int64s([h * dh, hk * dh, hk * dh])], 3, Int("axis", -1));
        var q = w.Hook(attn.HookQ, w.Node("Reshape", [parts[0], g.Int64s([0, 0, h, dh])]));    // [B, T, H, Dh]
        var k = w.Hook(attn.HookK, w.Node("Reshape", [parts[1], g.Int64s([0, 0, hk, dh])]));   // [B, T, Hk, Dh]
        var v = w.Hook(attn.HookV, w.Node("Reshape", [parts[2], g.Int64s([0, 0, hk, dh])]));   // [B, T, Hk, Dh]
        if (attn.Options.Rotary is { } rotary)
        {
            var (cos, sin) = sequence.Rotary(rotary);                                            // [1, T, 1, R]
            q = w.Hook(attn.HookRotQ!, Rotate(w, q, cos, sin, rotary.RotaryDims, dh));
            k = w.Hook(attn.HookRotK!, Rotate(w, k, cos, sin, rotary.RotaryDims, dh));
        }
        var qh = w.Node("Transpose", [q], Ints("perm", 0, 2, 1, 3));                             // [B, H, T, Dh]
        var kt = w.Node("Transpose", [k], Ints("perm", 0, 2, 3, 1));                             // [B, Hk, Dh, T]
        var vh = w.Node("Transpose", [v], Ints("perm", 0, 2, 1, 3));                             // [B, Hk, T, Dh]
        if (h != hk)
        {
            kt = RepeatHeads(w, kt, h / hk, [0, h, dh, -1]);                                     // [B, H, Dh, T]
            vh = RepeatHeads(w, vh, h / hk, [0, h, -1, dh]);                                     // [B, H, T, Dh]
        }
        var scores = w.Node("Mul", [w.Node("MatMul", [qh, kt]), g.Scalar(attn.Options.Scale ?? 1f / MathF.Sqrt(dh))]);   // [B, H, T, T]
        if (attn.Options.SoftCap is { } cap)
            scores = w.Node("Mul", [w.Node("Tanh", [w.Node("Mul", [scores, g.Scalar(1f / cap)])]), g.Scalar(cap)]);
        var pattern = w.Node("Softmax", [w.Node("Add", [scores, sequence.Mask(attn.Options.Window)])], Int("axis", -1));
        pattern = w.Hook(attn.HookPattern, pattern);                                             // [B, H, T, T]
        var z = w.Node("Transpose", [w.Node("MatMul", [pattern, vh])], Ints("perm", 0, 2, 1, 3));   // [B, T, H, Dh]
        z = w.Hook(attn.HookZ, z);
        return w.Linear(attn.Out, w.Node("Reshape", [z, g.Int64s([0, 0, h * dh])]));            // [B, T, D]
    }

    /// <summary>x·cos + rotate_half(x)·sin on the first R of Dh dimensions; x: [B, T, heads, Dh].</summary>
    private static string Rotate(OnnxModuleWriter w, string x, string cos, string sin, int r, int dh)
    {
        var g = w.Graph;
        string rotated = x, rest = "";
        if (r < dh)
        {
            var split = g.Node("Split", [x, g.Int64s([r, dh - r])], 2, Int("axis", -1));
            (rotated, rest) = (split[0], split[1]);
        }
        var halves = g.Node("Split", [rotated, g.Int64s([r / 2, r / 2])], 2, Int("axis", -1));
        var turned = w.Node("Concat", [w.Node("Neg", [halves[1]]), halves[0]], Int("axis", -1));
        var y = w.Node("Add", [w.Node("Mul", [rotated, cos]), w.Node("Mul", [turned, sin])]);
        return r < dh ? w.Node("Concat", [y, rest], Int("axis", -1)) : y;
    }

    /// <summary>Each key/value head used by <paramref name="group"/> adjacent query heads: [B, Hk, a, b] → [B, Hk·group, a, b].</summary>
    private static string RepeatHeads(OnnxModuleWriter w, string x, int group, long[] shape)
    {
        var g = w.Graph;
        var expanded = w.Node("Expand", [w.Node("Unsqueeze", [x, g.Int64s([2])]), g.Int64s([1, 1, group, 1, 1])]);
        return w.Node("Reshape", [expanded, g.Int64s(shape)]);
    }
}
