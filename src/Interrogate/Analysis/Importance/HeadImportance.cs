using System.Globalization;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Importance;

/// <summary>
/// Per-attention-head importance signals of a language model; each returns one array per layer with one
/// score per query head, higher = more important. A head's output is its slice z[:, :, h, :] of
/// <c>blocks.L.attn.hook_z</c> [B, T, H, Dh], which reaches the residual only through columns
/// h·Dh..(h+1)·Dh of the output projection, so every signal is zero for a head whose W_O slice is zero.
/// As with <see cref="NeuronImportance"/>, only <see cref="MeanAblation"/> measures what removal costs.
/// </summary>
public static class HeadImportance
{
    /// <summary>The hook that carries every head's output in layer <paramref name="layer"/>: [B, T, H, Dh].</summary>
    public static string ZHook(int layer) => HookNames.AttnZ(layer);

    /// <summary>
    /// Weight magnitude: ‖W_Q, W_K, W_V rows of head h‖ · ‖W_O columns of head h‖ (L2, biases excluded).
    /// With grouped-query attention a head's K and V rows are those of the key/value head it shares.
    /// </summary>
    public static float[][] Magnitude(CausalLanguageModel model) =>
        [.. model.Blocks.Select(block =>
        {
            var attn = block.Attn;
            int h = attn.Heads, hk = attn.KeyValueHeads, dh = attn.HeadDim;
            var qkv = attn.Qkv.Weight;    // [(H + 2·Hk)·Dh, D]
            var wOut = attn.Out.Weight;   // [D, H·Dh]
            var scores = new float[h];
            for (int head = 0; head < h; head++)
            {
                int g = head / (h / hk);
                double incoming = RowsSquared(qkv, head * dh, dh) + RowsSquared(qkv, (h + g) * dh, dh) + RowsSquared(qkv, (h + hk + g) * dh, dh);
                scores[head] = (float)(Math.Sqrt(incoming) * Math.Sqrt(ColumnsSquared(wOut, head * dh, dh)));
            }
            return scores;
        })];

    /// <summary>Mean of every head's z over the calibration positions: one [H·Dh] array (head-major) per layer.</summary>
    public static float[][] MeanZ(LanguageModelSubject network)
    {
        var blocks = network.Model.Blocks;
        var sums = blocks.Select(b => new double[b.Attn.Heads * b.Attn.HeadDim]).ToArray();
        long rows = 0;
        for (int b = 0; b < network.CalibrationBatchCount; b++)
        {
            using (GradientTape.NoGrad())
            using (var hooks = new HookScope().Cache([.. Enumerable.Range(0, blocks.Count).Select(ZHook)]))
            {
                network.CalibrationLoss(b);
                for (int l = 0; l < blocks.Count; l++)
                {
                    var z = hooks.Cached[ZHook(l)].ContiguousData().Span;   // [B, T, H, Dh]
                    int w = sums[l].Length;
                    for (int i = 0; i < z.Length; i++) sums[l][i % w] += z[i];
                    if (l == 0) rows += z.Length / w;
                }
            }
        }
        return [.. sums.Select(s => s.Select(v => (float)(v / rows)).ToArray())];
    }

    /// <summary>
    /// True mean-ablation Δloss of every head: the mean calibration loss with head h's z replaced by its
    /// calibration mean (<see cref="MeanZ"/>) at every position, minus the clean loss. One forward pass
    /// per head and batch, meant for small models.
    /// </summary>
    public static float[][] MeanAblation(LanguageModelSubject network, float[][] meanZ, Action<double>? progress = null)
    {
        var blocks = network.Model.Blocks;
        var sums = blocks.Select(b => new double[b.Attn.Heads]).ToArray();
        int total = network.CalibrationBatchCount * sums.Sum(s => s.Length), done = 0;
        long count = 0;
        using var _ = GradientTape.NoGrad();
        for (int b = 0; b < network.CalibrationBatchCount; b++)
        {
            var (clean, n) = network.CalibrationLoss(b);
            double cleanSum = clean.Item() * (double)n;
            count += n;
            for (int l = 0; l < blocks.Count; l++)
                for (int head = 0; head < sums[l].Length; head++)
                {
                    int dh = blocks[l].Attn.HeadDim, layer = l, h = head;
                    using (new HookScope().Edit(ZHook(l), z => WithHeadReplaced(z, h, meanZ[layer].AsSpan(h * dh, dh))))
                    {
                        var (loss, _) = network.CalibrationLoss(b);
                        sums[l][head] += loss.Item() * (double)n - cleanSum;
                    }
                    progress?.Invoke(++done / (double)total);
                }
        }
        return [.. sums.Select(s => s.Select(v => (float)(v / count)).ToArray())];
    }

    /// <summary>
    /// First-order Taylor: the mean over calibration positions of |Σ_d z_{h,d} · ∂L/∂z_{h,d}|, the
    /// predicted loss change from zeroing head h at that one position, with L the summed (not mean) loss
    /// so the value does not depend on the batch size (the convention of <see cref="NeuronImportance.Taylor"/>).
    /// </summary>
    public static float[][] Taylor(LanguageModelSubject network, Action<double>? progress = null)
    {
        var blocks = network.Model.Blocks;
        var sums = blocks.Select(b => new double[b.Attn.Heads]).ToArray();
        long rows = 0;
        for (int b = 0; b < network.CalibrationBatchCount; b++)
        {
            var terms = TaylorTerms(network, b);
            for (int l = 0; l < terms.Length; l++)
            {
                int h = sums[l].Length;
                for (int i = 0; i < terms[l].Length; i++) sums[l][i % h] += Math.Abs(terms[l][i]);
                if (l == 0) rows += terms[l].Length / h;
            }
            progress?.Invoke((b + 1.0) / network.CalibrationBatchCount);
        }
        return [.. sums.Select(s => s.Select(v => (float)(v / rows)).ToArray())];
    }

    /// <summary>
    /// Signed per-position terms Σ_d z_{h,d} · ∂L/∂z_{h,d} of calibration batch <paramref name="batch"/>
    /// (L: the batch's summed loss): one [B·T·H] array (position-major) per layer. The term of (position, head)
    /// is the derivative of L with respect to scaling that head's output at that position.
    /// </summary>
    public static double[][] TaylorTerms(LanguageModelSubject network, int batch)
    {
        var blocks = network.Model.Blocks;
        using var hooks = new HookScope().KeepGradient([.. Enumerable.Range(0, blocks.Count).Select(ZHook)]);
        using var tape = new GradientTape();
        var (loss, count) = network.CalibrationLoss(batch);
        tape.Backward(loss.Mul((float)count));
        var result = new double[blocks.Count][];
        for (int l = 0; l < blocks.Count; l++)
        {
            var z = hooks.Cached[ZHook(l)];
            var values = z.ContiguousData().Span;           // [B, T, H, Dh]
            var grads = z.Grad!.ContiguousData().Span;      // [B, T, H, Dh]
            int dh = blocks[l].Attn.HeadDim;
            var terms = new double[values.Length / dh];
            for (int i = 0; i < values.Length; i++) terms[i / dh] += (double)values[i] * grads[i];
            result[l] = terms;
        }
        return result;
    }

    /// <summary>A copy of z [B, T, H, Dh] with head <paramref name="head"/> set to <paramref name="value"/> [Dh] at every position.</summary>
    private static Tensor WithHeadReplaced(Tensor z, int head, ReadOnlySpan<float> value)
    {
        var data = z.ContiguousData().Span.ToArray();
        int h = z.Shape[2], dh = z.Shape[3];
        for (int p = 0; p < data.Length / (h * dh); p++) value.CopyTo(data.AsSpan((p * h + head) * dh, dh));
        return new Tensor(data, [.. z.Shape]);
    }

    private static double RowsSquared(Tensor w, int firstRow, int rows)
    {
        double s = 0;
        foreach (var v in w.Span.Slice(firstRow * w.Shape[1], rows * w.Shape[1])) s += (double)v * v;
        return s;
    }

    private static double ColumnsSquared(Tensor w, int firstColumn, int columns)
    {
        var span = w.Span;
        int cols = w.Shape[1];
        double s = 0;
        for (int r = 0; r < w.Shape[0]; r++)
            foreach (var v in span.Slice(r * cols + firstColumn, columns)) s += (double)v * v;
        return s;
    }
}
