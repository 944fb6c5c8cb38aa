using System.Buffers;
using Interrogate.Kernels;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// Attention over [B, H, T, D] tensors, per (batch, head) with the kernels in Kernels/Attention.
// Grouped-query attention: query head h reads key/value head h / (H / Hk). Backward loops run in
// parallel over (batch, key/value head) and visit that head's query heads one after another, so
// the shared dk/dv accumulate without races.
public static partial class Ops
{
    /// <summary>
    /// softmax(scale·q·kᵀ + mask)·v, fused: the pattern is never materialised for inference, only
    /// kept per head for backward when recording.
    /// q: [B, H, Tq, D]; k: [B, Hk, Tk, D]; v: [B, Hk, Tk, Dv], with Hk dividing H (grouped-query);
    /// keyMask: [B, Tk], 1 = attend, 0 = padding, or null; causal: query i sees keys ≤ Tk − Tq + i
    /// (needs Tq ≤ Tk); scale: default 1/√D. Result: [B, H, Tq, Dv]; a query that sees no key gives 0.
    /// softCap: scores s become c·tanh(s / c) before the softmax (Gemma 2); window: query i also stops
    /// seeing keys ≤ Tk − Tq + i − window (causal; key index = position, so no padding mask with it).
    /// </summary>
    public static Tensor ScaledDotProductAttention(this Tensor q, Tensor k, Tensor v, bool causal,
        Tensor? keyMask = null, float? scale = null, float? softCap = null, int? window = null)
    {
        var s = AttentionSizes.Of(q, k, v, causal, keyMask);
        float sc = scale ?? 1f / MathF.Sqrt(s.D), cap = softCap ?? 0f;
        int w = window ?? 0;
        var (qc, kc, vc) = (q.ContiguousData(), k.ContiguousData(), v.ContiguousData());
        var mask = keyMask?.ContiguousData();
        var y = Tensor.Uninitialized(s.B, s.H, s.Tq, s.Dv);
        bool record = GradientTape.ShouldRecord([q, k, v]);
        int patternSize = s.Tq * s.Tk;
        var pattern = record ? new float[s.B * s.H * patternSize] : null;
        Parallelism.For(s.B * s.H, bh =>
        {
            var (qOff, kvOff) = s.Offsets(bh);
            // Inference needs only one query block's scores at a time.
            int scratch = Math.Min(s.Tq, Attention.QueryBlock) * s.Tk;
            var p = pattern ?? ArrayPool<float>.Shared.Rent(scratch);
            var ps = pattern is null ? p.AsSpan(0, scratch) : p.AsSpan(bh * patternSize, patternSize);
            Attention.Forward(Span(qc, qOff, s.Tq * s.D), Span(kc, kvOff * s.D, s.Tk * s.D), Span(vc, kvOff * s.Dv, s.Tk * s.Dv),
                s.Tq, s.Tk, s.D, s.Dv, sc, causal, MaskRow(mask, bh / s.H, s.Tk), ps, pattern is not null, y.Storage.AsSpan(bh * s.Tq * s.Dv, s.Tq * s.Dv), cap, w);
            if (pattern is null) ArrayPool<float>.Shared.Return(p);
        });
        if (record)
            GradientTape.Record(y, g =>
            {
                var (gq, gk, gv) = (GradOrNull(q), GradOrNull(k), GradOrNull(v));
                ForKeyValueHeads(s, (bh, qOff, kvOff) =>
                {
                    var ps = pattern!.AsSpan(bh * patternSize, patternSize);
                    var dp = new float[patternSize];
                    Attention.ApplyBackward(ps, Span(vc, kvOff * s.Dv, s.Tk * s.Dv), Span(g, bh * s.Tq * s.Dv, s.Tq * s.Dv),
                        s.Tq, s.Tk, s.Dv, dp, GradSlice(gv, kvOff * s.Dv, s.Tk * s.Dv));
                    Attention.PatternBackward(ps, dp, Span(qc, qOff, s.Tq * s.D), Span(kc, kvOff * s.D, s.Tk * s.D),
                        s.Tq, s.Tk, s.D, sc, GradSlice(gq, qOff, s.Tq * s.D), GradSlice(gk, kvOff * s.D, s.Tk * s.D), cap);
                });
            });
        return y;
    }

    /// <summary>
    /// The attention probabilities alone, as a recorded op a caller can hook, edit or patch
    /// (TransformerLens's hook_pattern) before <see cref="ApplyPattern"/>.
    /// q: [B, H, Tq, D]; k: [B, Hk, Tk, D]; keyMask, causal and scale as in
    /// <see cref="ScaledDotProductAttention"/>, as are softCap and window. Result: [B, H, Tq, Tk], masked entries 0.
    /// </summary>
    public static Tensor AttentionPattern(this Tensor q, Tensor k, bool causal, Tensor? keyMask = null, float? scale = null,
        float? softCap = null, int? window = null)
    {
        var s = AttentionSizes.Of(q, k, k, causal, keyMask);
        float sc = scale ?? 1f / MathF.Sqrt(s.D), cap = softCap ?? 0f;
        int w = window ?? 0;
        var (qc, kc) = (q.ContiguousData(), k.ContiguousData());
        var mask = keyMask?.ContiguousData();
        int patternSize = s.Tq * s.Tk;
        var y = Tensor.Zeros(s.B, s.H, s.Tq, s.Tk);
        Parallelism.For(s.B * s.H, bh =>
        {
            var (qOff, kvOff) = s.Offsets(bh);
            Attention.Pattern(Span(qc, qOff, s.Tq * s.D), Span(kc, kvOff * s.D, s.Tk * s.D), s.Tq, s.Tk, s.D, sc,
                causal, MaskRow(mask, bh / s.H, s.Tk), y.Storage.AsSpan(bh * patternSize, patternSize), cap, w);
        });
        if (GradientTape.ShouldRecord(q, k))
            GradientTape.Record(y, g =>
            {
                var (gq, gk) = (GradOrNull(q), GradOrNull(k));
                ForKeyValueHeads(s, (bh, qOff, kvOff) =>
                {
                    var dp = Span(g, bh * patternSize, patternSize).ToArray();
                    Attention.PatternBackward(y.Storage.AsSpan(bh * patternSize, patternSize), dp,
                        Span(qc, qOff, s.Tq * s.D), Span(kc, kvOff * s.D, s.Tk * s.D), s.Tq, s.Tk, s.D, sc,
                        GradSlice(gq, qOff, s.Tq * s.D), GradSlice(gk, kvOff * s.D, s.Tk * s.D), cap);
                });
            });
        return y;
    }

    /// <summary>
    /// Mixes values by an attention pattern. pattern: [B, H, Tq, Tk] (from <see cref="AttentionPattern"/>,
    /// possibly edited); v: [B, Hk, Tk, Dv] with Hk dividing H. Result: [B, H, Tq, Dv].
    /// </summary>
    public static Tensor ApplyPattern(this Tensor pattern, Tensor v)
    {
        if (pattern.Rank != 4 || v.Rank != 4 || v.Shape[0] != pattern.Shape[0] || v.Shape[2] != pattern.Shape[3]
            || v.Shape[1] == 0 || pattern.Shape[1] % v.Shape[1] != 0)
            throw new ArgumentException($"ApplyPattern: pattern {pattern.Describe()} [B, H, Tq, Tk] does not fit v {v.Describe()} [B, Hk, Tk, Dv]");
        var s = new AttentionSizes(pattern.Shape[0], pattern.Shape[1], v.Shape[1], pattern.Shape[2], pattern.Shape[3], 0, v.Shape[3]);
        var (pc, vc) = (pattern.ContiguousData(), v.ContiguousData());
        int patternSize = s.Tq * s.Tk;
        var y = Tensor.Zeros(s.B, s.H, s.Tq, s.Dv);
        Parallelism.For(s.B * s.H, bh =>
        {
            var (_, kvOff) = s.Offsets(bh);
            Attention.Apply(Span(pc, bh * patternSize, patternSize), Span(vc, kvOff * s.Dv, s.Tk * s.Dv), s.Tq, s.Tk, s.Dv,
                y.Storage.AsSpan(bh * s.Tq * s.Dv, s.Tq * s.Dv));
        });
        if (GradientTape.ShouldRecord(pattern, v))
            GradientTape.Record(y, g =>
            {
                var (gp, gv) = (GradOrNull(pattern), GradOrNull(v));
                ForKeyValueHeads(s, (bh, _, kvOff) => Attention.ApplyBackward(
                    Span(pc, bh * patternSize, patternSize), Span(vc, kvOff * s.Dv, s.Tk * s.Dv), Span(g, bh * s.Tq * s.Dv, s.Tq * s.Dv),
                    s.Tq, s.Tk, s.Dv, GradSlice(gp, bh * patternSize, patternSize), GradSlice(gv, kvOff * s.Dv, s.Tk * s.Dv)));
            });
        return y;
    }

    /// <summary>Sizes of an attention call; query head h of batch b reads key/value head h / (H / Hk).</summary>
    private readonly record struct AttentionSizes(int B, int H, int Hk, int Tq, int Tk, int D, int Dv)
    {
        public static AttentionSizes Of(Tensor q, Tensor k, Tensor v, bool causal, Tensor? keyMask)
        {
            string Shapes() => $"q {q.Describe()}, k {k.Describe()}, v {v.Describe()}";
            if (q.Rank != 4 || k.Rank != 4 || v.Rank != 4)
                throw new ArgumentException($"attention needs [B, H, T, D] tensors; got {Shapes()}");
            int b = q.Shape[0], h = q.Shape[1], hk = k.Shape[1];
            if (k.Shape[0] != b || v.Shape[0] != b || v.Shape[1] != hk || v.Shape[2] != k.Shape[2] || k.Shape[3] != q.Shape[3])
                throw new ArgumentException($"attention shapes do not agree: {Shapes()}");
            if (hk == 0 || h % hk != 0)
                throw new ArgumentException($"attention: {hk} key/value heads do not divide {h} query heads ({Shapes()})");
            if (causal && q.Shape[2] > k.Shape[2])
                throw new ArgumentException($"causal attention needs Tq ≤ Tk; got {Shapes()}");
            if (keyMask is not null && (keyMask.Rank != 2 || keyMask.Shape[0] != b || keyMask.Shape[1] != k.Shape[2]))
                throw new ArgumentException($"keyMask {keyMask.Describe()} must be [B, Tk] = [{b}, {k.Shape[2]}]");
            return new AttentionSizes(b, h, hk, q.Shape[2], k.Shape[2], q.Shape[3], v.Shape[3]);
        }

        /// <summary>Element offset of query head bh in q, and row offset (in units of one key row) of its key/value head.</summary>
        public (int Query, int KeyValueRows) Offsets(int bh)
        {
            int b = bh / H, h = bh % H, kvHead = b * Hk + h / (H / Hk);
            return (bh * Tq * D, kvHead * Tk);
        }
    }

    /// <summary>Runs body(bh, queryOffset, kvRowOffset) for every query head, in parallel across key/value heads only.</summary>
    private static void ForKeyValueHeads(AttentionSizes s, Action<int, int, int> body)
    {
        int group = s.H / s.Hk;
        Parallelism.For(s.B * s.Hk, kv =>
        {
            int b = kv / s.Hk, first = b * s.H + kv % s.Hk * group;
            for (int bh = first; bh < first + group; bh++)
            {
                var (qOff, kvOff) = s.Offsets(bh);
                body(bh, qOff, kvOff);
            }
        });
    }

    private static ReadOnlySpan<float> Span(Tensor t, int offset, int length) => t.Storage.AsSpan(t.Offset + offset, length);

    private static ReadOnlySpan<float> MaskRow(Tensor? mask, int b, int tk) => mask is null ? default : Span(mask, b * tk, tk);

    private static Tensor? GradOrNull(Tensor t)
    {
        if (!t.RequiresGrad) return null;
        t.GradSpan();
        return t.Grad;
    }

    private static Span<float> GradSlice(Tensor? grad, int offset, int length) =>
        grad is null ? default : grad.Storage.AsSpan(grad.Offset + offset, length);
}
