using System.Buffers;
using Interrogate.Kernels;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// Causal self-attention straight from a fused q|k|v projection: the fast path of a transformer
// layer when no hook point inside attention is wanted. The same mathematics as splitting qkv,
// permuting to [B, H, T, Dh], ScaledDotProductAttention and merging the heads back, without the
// five copies (and their five backward copies) that route takes.
public static partial class Ops
{
    /// <summary>
    /// softmax(scale·q·kᵀ, causal)·v for every head, heads concatenated.
    /// qkv: [B, T, (H + 2·Hk)·Dh], each row q heads then k heads then v heads (as one Linear makes
    /// them); query head h reads key/value head h / (H / Hk). scale: default 1/√Dh. Result: [B, T, H·Dh].
    /// </summary>
    public static Tensor CausalSelfAttention(this Tensor qkv, int heads, int kvHeads, int headDim, float? scale = null) =>
        CausalSelfAttention(qkv, heads, kvHeads, headDim, scale, into: null);

    /// <summary>
    /// As <see cref="CausalSelfAttention(Tensor, int, int, int, float?)"/>, writing into
    /// <paramref name="into"/> ([B, T, H·Dh], contiguous, offset 0) when given: for inference paths
    /// that bring their own (pooled) output. Not recorded on the tape when <paramref name="into"/> is given.
    /// </summary>
    internal static Tensor CausalSelfAttention(Tensor qkv, int heads, int kvHeads, int headDim, float? scale, Tensor? into)
    {
        int width = (heads + 2 * kvHeads) * headDim;
        if (qkv.Rank != 3 || qkv.Shape[2] != width || kvHeads <= 0 || heads % kvHeads != 0)
            throw new ArgumentException($"CausalSelfAttention: qkv {qkv.Describe()} does not hold {heads} query and {kvHeads} key/value heads of {headDim}");
        int b = qkv.Shape[0], t = qkv.Shape[1], dh = headDim, hk = kvHeads, group = heads / kvHeads;
        int outWidth = heads * dh, patternSize = t * t;
        float sc = scale ?? 1f / MathF.Sqrt(dh);
        var x = qkv.ContiguousData();
        var xs = x.Storage;
        if (into is not null && (into.Offset != 0 || !into.IsContiguous || into.Size != b * t * outWidth))
            throw new ArgumentException($"CausalSelfAttention: output {into.Describe()} is not a contiguous [{b}, {t}, {outWidth}]");
        var y = into ?? Tensor.Uninitialized(b, t, outWidth);
        bool record = into is null && GradientTape.ShouldRecord(qkv);
        var pattern = record ? new float[b * heads * patternSize] : null;
        // Element offsets of query head h, and of key and value head h / group, in batch row 0.
        int QueryAt(int bi, int h) => x.Offset + bi * t * width + h * dh;
        int KeyAt(int bi, int h) => x.Offset + bi * t * width + (heads + h / group) * dh;
        int ValueAt(int bi, int h) => x.Offset + bi * t * width + (heads + hk + h / group) * dh;
        Parallelism.For(b * heads, bh =>
        {
            int bi = bh / heads, h = bh % heads;
            int scratchSize = Math.Min(t, PackedAttention.QueryBlock) * t;
            var rented = pattern is null ? ArrayPool<float>.Shared.Rent(scratchSize) : null;
            var p = pattern is null ? rented.AsSpan(0, scratchSize) : pattern.AsSpan(bh * patternSize, patternSize);
            PackedAttention.Forward(xs.AsSpan(QueryAt(bi, h)), width, xs.AsSpan(KeyAt(bi, h)), width, xs.AsSpan(ValueAt(bi, h)), width,
                t, dh, sc, p, keep: pattern is not null, y.Storage.AsSpan(bi * t * outWidth + h * dh), outWidth);
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        });
        if (record)
            GradientTape.Record(y, g =>
            {
                var gx = qkv.GradForWrite(out float beta);
                var gs = gx.Storage;
                int gOffset = gx.Offset - x.Offset;   // gradient offsets = value offsets shifted to the gradient's storage
                // One task per (batch, key/value head): its query heads run in turn, so dk and dv accumulate without races.
                Parallelism.For(b * hk, kv =>
                {
                    int bi = kv / hk, first = kv % hk * group;
                    var scratch = ArrayPool<float>.Shared.Rent(Math.Min(t, PackedAttention.QueryBlock) * t);
                    if (beta == 0f)
                        for (int r = 0; r < t; r++)
                        {
                            gs.AsSpan(gOffset + KeyAt(bi, first) + r * width, dh).Clear();
                            gs.AsSpan(gOffset + ValueAt(bi, first) + r * width, dh).Clear();
                        }
                    for (int h = first; h < first + group; h++)
                    {
                        int bh = bi * heads + h;
                        PackedAttention.Backward(pattern.AsSpan(bh * patternSize, patternSize),
                            xs.AsSpan(QueryAt(bi, h)), width, xs.AsSpan(KeyAt(bi, h)), width, xs.AsSpan(ValueAt(bi, h)), width,
                            g.Storage.AsSpan(g.Offset + bi * t * outWidth + h * dh), outWidth, t, dh, sc,
                            gs.AsSpan(gOffset + QueryAt(bi, h)), width, overwriteDq: beta == 0f,
                            gs.AsSpan(gOffset + KeyAt(bi, h)), width, gs.AsSpan(gOffset + ValueAt(bi, h)), width, scratch);
                    }
                    ArrayPool<float>.Shared.Return(scratch);
                });
            });
        return y;
    }
}
