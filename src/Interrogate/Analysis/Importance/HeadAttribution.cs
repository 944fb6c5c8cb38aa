using Interrogate.Nn;
using Interrogate.Subjects;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Importance;

/// <summary>
/// Attribution-patching estimates of mean-ablating each attention head's output, query and key (Δ mean loss,
/// nats), one array per layer with one value per query head; Query/Key null where the QK fix cannot be applied.
/// </summary>
/// <param name="Output">AtP of replacing head h's z by its mean: Σ (z̄ − z)·∂L/∂z. Estimates <see cref="HeadImportance.MeanAblation"/>.</param>
/// <param name="Query">AtP* with the QK fix for replacing head h's query by its mean: the attention pattern is recomputed exactly, Σ ∂L/∂z · Σ_j (A′ − A)_tj v_j.</param>
/// <param name="Key">The same for its keys (with grouped-query attention, its key/value group's keys, seen from head h only).</param>
/// <param name="QueryLinear">Plain AtP through the query, Σ (q̄ − q)·∂L/∂q: what the QK fix replaces (it linearises the softmax).</param>
/// <param name="KeyLinear">Plain AtP through the key as head h sees it.</param>
public sealed record HeadAttributionScores(float[][] Output, float[][]? Query, float[][]? Key, float[][]? QueryLinear, float[][]? KeyLinear);

/// <summary>
/// AtP for attention heads (Kramár et al. 2024). A head's output node z is linear in what replaces it, so its
/// estimate is the plain first-order one. Its query and key nodes reach z through the softmax, where a linear
/// estimate fails when the pattern saturates (a score moved far flattens or sharpens the pattern beyond what the
/// gradient sees); AtP*'s QK fix recomputes the pattern A′ with the patched query or key exactly and linearises
/// only from z onwards: ΔL̂ = Σ_t ∂L/∂z_t · Σ_j (A′_tj − A_tj) v_j. Computed for plain scaled dot-product
/// attention (learned or no positions, optional sliding window); rotary or soft-capped models get null Query/Key
/// (the pattern is not a function of hook_q and hook_k alone there). Cost: one no-grad pass for the means and one
/// forward and backward per calibration batch, plus O(T²·Dh) per head and window.
/// </summary>
public static class HeadAttribution
{
    public static HeadAttributionScores Estimate(LanguageModelSubject network, float[][] meanZ, Action<double>? progress = null)
    {
        var blocks = network.Model.Blocks;
        int layers = blocks.Count;
        bool qk = blocks.All(b => b.Attn.Options.Rotary is null && b.Attn.Options.SoftCap is null);
        static string Q(int l) => HookNames.Block(l, "attn.hook_q");
        static string K(int l) => HookNames.Block(l, "attn.hook_k");
        static string V(int l) => HookNames.Block(l, "attn.hook_v");
        var (meanQ, meanK) = qk ? Means(network, Q, K) : (null, null);
        var output = blocks.Select(b => new double[b.Attn.Heads]).ToArray();
        var query = blocks.Select(b => new double[b.Attn.Heads]).ToArray();
        var key = blocks.Select(b => new double[b.Attn.Heads]).ToArray();
        var queryLinear = blocks.Select(b => new double[b.Attn.Heads]).ToArray();
        var keyLinear = blocks.Select(b => new double[b.Attn.Heads]).ToArray();
        long count = 0;
        for (int batch = 0; batch < network.CalibrationBatchCount; batch++)
        {
            string[] kept = [.. Enumerable.Range(0, layers).SelectMany(l => qk ? new[] { HeadImportance.ZHook(l), Q(l), K(l), V(l) } : [HeadImportance.ZHook(l)])];
            using var hooks = new HookScope().KeepGradient(kept);
            using var tape = new GradientTape();
            var (loss, n) = network.CalibrationLoss(batch);
            tape.Backward(loss.Mul((float)n));   // summed loss: divided by the total count at the end
            count += n;
            for (int l = 0; l < layers; l++)
            {
                var attn = blocks[l].Attn;
                int h = attn.Heads, hk = attn.KeyValueHeads, dh = attn.HeadDim;
                var zt = hooks.Cached[HeadImportance.ZHook(l)];
                var z = zt.ContiguousData().Span;
                var gz = zt.Grad!.ContiguousData().Span;   // [B, T, H, Dh]
                for (int i = 0; i < z.Length; i++) output[l][i / dh % h] += ((double)meanZ[l][i % (h * dh)] - z[i]) * gz[i];
                if (!qk) continue;
                var (qT, kT, vT) = (hooks.Cached[Q(l)], hooks.Cached[K(l)], hooks.Cached[V(l)]);
                var (q, k, v) = (qT.ContiguousData().Span.ToArray(), kT.ContiguousData().Span.ToArray(), vT.ContiguousData().Span.ToArray());
                var gq = qT.Grad?.ContiguousData().Span.ToArray();
                var gk = kT.Grad?.ContiguousData().Span.ToArray();
                int b = zt.Shape[0], t = zt.Shape[1];
                float scale = attn.Options.Scale ?? 1f / MathF.Sqrt(dh);
                int window = attn.Options.Window ?? int.MaxValue;
                var gzs = gz.ToArray();
                for (int head = 0; head < h; head++)
                {
                    int g = head / (h / hk);
                    for (int r = 0; r < b; r++)
                    {
                        // Clean pattern, and the patterns with this head's query (all positions) or its keys replaced by their means.
                        var qBar = meanQ![l].AsSpan(head * dh, dh);
                        for (int p = 0; p < t; p++)
                        {
                            int first = Math.Max(0, p - window + 1);
                            var qp = q.AsSpan(((r * t + p) * h + head) * dh, dh);
                            var clean = Pattern(qp, k, r, t, hk, g, dh, first, p, scale);
                            var patchedQ = Pattern(qBar, k, r, t, hk, g, dh, first, p, scale);
                            double dQ = 0, dK = 0;
                            var gzp = gzs.AsSpan(((r * t + p) * h + head) * dh, dh);
                            for (int j = first; j <= p; j++)
                            {
                                var vj = v.AsSpan(((r * t + j) * hk + g) * dh, dh);
                                // Every key replaced by the same mean: every score equal, a uniform pattern over the visible keys.
                                double aq = patchedQ[j - first] - clean[j - first], ak = 1.0 / (p - first + 1) - clean[j - first];
                                double gv = Dot(gzp, vj);
                                dQ += aq * gv;
                                dK += ak * gv;
                            }
                            query[l][head] += dQ;
                            key[l][head] += dK;
                            if (gq is not null)
                                for (int d = 0; d < dh; d++) queryLinear[l][head] += ((double)qBar[d] - qp[d]) * gq[((r * t + p) * h + head) * dh + d];
                        }
                    }
                }
                // Linear AtP through the keys as each head sees them: ∂L/∂k_j restricted to head h's share is not separable
                // in the summed gradient of a shared key head; with one query head per key head (GPT-2) it is the head's own.
                if (gk is not null && h == hk)
                    for (int i = 0; i < k.Length; i++) keyLinear[l][i / dh % hk] += ((double)meanK![l][i % (hk * dh)] - k[i]) * gk[i];
            }
            progress?.Invoke((batch + 1.0) / network.CalibrationBatchCount);
        }
        float[][] Mean(double[][] s) => [.. s.Select(x => x.Select(v => (float)(v / count)).ToArray())];
        return new HeadAttributionScores(Mean(output), qk ? Mean(query) : null, qk ? Mean(key) : null, qk ? Mean(queryLinear) : null,
            qk && blocks.All(bl => bl.Attn.Heads == bl.Attn.KeyValueHeads) ? Mean(keyLinear) : null);
    }

    /// <summary>softmax over keys first..p of scale·q·k_j (key head g of row r): [p − first + 1].</summary>
    private static double[] Pattern(ReadOnlySpan<float> q, float[] k, int r, int t, int hk, int g, int dh, int first, int p, float scale)
    {
        var s = new double[p - first + 1];
        double max = double.NegativeInfinity, sum = 0;
        for (int j = first; j <= p; j++) max = Math.Max(max, s[j - first] = scale * Dot(q, k.AsSpan(((r * t + j) * hk + g) * dh, dh)));
        for (int i = 0; i < s.Length; i++) sum += s[i] = Math.Exp(s[i] - max);
        for (int i = 0; i < s.Length; i++) s[i] /= sum;
        return s;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }

    /// <summary>Per layer, the mean over calibration positions of hook_q [H·Dh] and hook_k [Hk·Dh].</summary>
    private static (float[][] Q, float[][] K) Means(LanguageModelSubject network, Func<int, string> q, Func<int, string> k)
    {
        int layers = network.Model.Blocks.Count;
        var sq = new double[layers][];
        var sk = new double[layers][];
        long rows = 0;
        for (int batch = 0; batch < network.CalibrationBatchCount; batch++)
        {
            using var _ = GradientTape.NoGrad();
            using var hooks = new HookScope().Cache([.. Enumerable.Range(0, layers).SelectMany(l => new[] { q(l), k(l) })]);
            network.CalibrationLoss(batch);
            for (int l = 0; l < layers; l++)
            {
                foreach (var (name, into) in new[] { (q(l), sq), (k(l), sk) })
                {
                    var x = hooks.Cached[name];
                    int w = x.Shape[2] * x.Shape[3];
                    into[l] ??= new double[w];
                    var d = x.ContiguousData().Span;
                    for (int i = 0; i < d.Length; i++) into[l][i % w] += d[i];
                    if (l == 0 && name == q(l)) rows += d.Length / w;
                }
            }
        }
        return ([.. sq.Select(s => s.Select(v => (float)(v / rows)).ToArray())], [.. sk.Select(s => s.Select(v => (float)(v / rows)).ToArray())]);
    }
}
