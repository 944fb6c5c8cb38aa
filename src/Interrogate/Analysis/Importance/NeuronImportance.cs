using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Importance;

/// <summary>
/// Per-neuron importance signals; each returns one score array per layer, higher = more important.
/// Only <see cref="MeanAblation"/> measures what removal costs; the others are cheap proxies, which
/// `prune compare` puts side by side with it.
/// </summary>
public static class NeuronImportance
{
    /// <summary>
    /// Weight magnitude: ‖incoming row j‖ · ‖outgoing column j‖ (L2 by default, L1 when asked). A neuron
    /// whose reader ignores it, or that reads nothing, scores zero. The incoming row concatenates every
    /// incoming linear (Llama's gate and up), biases excluded.
    /// </summary>
    public static float[][] Magnitude(Subject network, bool l1 = false) =>
        [.. network.Layers.Select(layer =>
        {
            var scores = new float[layer.Width];
            for (int j = 0; j < layer.Width; j++)
            {
                double incoming = layer.Incoming.Sum(lin => RowNorm(lin.Weight, j, l1));
                scores[j] = (float)((l1 ? incoming : Math.Sqrt(incoming)) * ColumnNorm(layer.Outgoing.Weight, j, l1));
            }
            return scores;
        })];

    /// <summary>
    /// Wanda (Sun et al. 2023) aggregated per neuron: the sum of |W|·‖X‖ over every weight removed with the
    /// neuron, i.e. the incoming row (X: the layer's input features) and the outgoing column (X: the
    /// neuron's own activation, ‖a_j‖ over the calibration rows).
    /// </summary>
    public static float[][] Wanda(Subject network, IReadOnlyList<LayerStatistics> stats) =>
        [.. network.Layers.Select((layer, l) =>
        {
            var scores = new float[layer.Width];
            var inputNorm = stats[l].InputNorm;
            for (int j = 0; j < layer.Width; j++)
            {
                double s = 0;
                foreach (var lin in layer.Incoming)
                {
                    var row = lin.Weight.Span.Slice(j * lin.Weight.Shape[1], lin.Weight.Shape[1]);
                    for (int i = 0; i < row.Length; i++) s += Math.Abs(row[i]) * inputNorm[i];
                }
                s += ColumnNorm(layer.Outgoing.Weight, j, l1: true) * stats[l].ActivationNorm[j];
                scores[j] = (float)s;
            }
            return scores;
        })];

    /// <summary>
    /// First-order Taylor (Molchanov et al. 2017): the mean over calibration predictions of |a_j · ∂L/∂a_j|,
    /// with L the summed (not mean) loss so the value does not depend on the batch size.
    /// </summary>
    public static float[][] Taylor(Subject network, Action<double>? progress = null)
    {
        var layers = network.Layers;
        var sums = layers.Select(l => new double[l.Width]).ToArray();
        long rows = 0;
        for (int b = 0; b < network.CalibrationBatchCount; b++)
        {
            using (var hooks = new HookScope().KeepGradient([.. layers.Select(l => l.ActivationHook)]))
            using (var tape = new GradientTape())
            {
                var (loss, count) = network.CalibrationLoss(b);
                tape.Backward(loss.Mul((float)count));
                for (int l = 0; l < layers.Count; l++)
                {
                    var a = hooks.Cached[layers[l].ActivationHook];
                    var values = a.ContiguousData().Span;
                    var grads = a.Grad!.ContiguousData().Span;
                    int w = layers[l].Width;
                    for (int i = 0; i < values.Length; i++) sums[l][i % w] += Math.Abs(values[i] * grads[i]);
                    if (l == 0) rows += values.Length / w;
                }
            }
            network.Module.ZeroGrad();
            progress?.Invoke((b + 1.0) / network.CalibrationBatchCount);
        }
        return [.. sums.Select(s => s.Select(v => (float)(v / rows)).ToArray())];
    }

    /// <summary>
    /// True mean-ablation Δloss of every neuron: loss with neuron j replaced by its calibration mean minus
    /// the clean loss, both summed over the same calibration predictions and divided by their count.
    /// Costly but exact; see <see cref="Subject.MeanAblatedLossSums(int, IReadOnlyList{IReadOnlyList{int}}, IReadOnlyList{float[]}, Action{double})"/> for how the networks batch it
    /// (one clean pass per batch caches every layer's residual; only the blocks after a neuron's layer run per neuron).
    /// A neuron that is constant on the calibration data (dead, or never varying) equals its mean
    /// everywhere, so its Δ is exactly zero and is not run. With <paramref name="only"/> (per layer, the units
    /// a screen chose) every other unit is left unmeasured: NaN.
    /// </summary>
    public static float[][] MeanAblation(Subject network, IReadOnlyList<LayerStatistics> stats, Action<double>? progress = null, int[][]? only = null)
    {
        var layers = network.Layers;
        double cleanSum = 0;
        long count = 0;
        var sums = layers.Select(l => new double[l.Width]).ToArray();
        for (int b = 0; b < network.CalibrationBatchCount; b++)
        {
            using (GradientTape.NoGrad())
            {
                var (loss, n) = network.CalibrationLoss(b);
                cleanSum = loss.Item() * (double)n;
                count += n;
            }
            var varying = layers.Select((layer, l) => (only?[l] ?? Enumerable.Range(0, layer.Width)).Where(j => !stats[l].IsConstant(j)).ToArray()).ToArray();
            var ablated = network.MeanAblatedLossSums(b, varying, [.. stats.Select(s => s.Mean)],
                f => progress?.Invoke((b + f) / network.CalibrationBatchCount));
            for (int l = 0; l < layers.Count; l++)
                for (int i = 0; i < varying[l].Length; i++) sums[l][varying[l][i]] += ablated[l][i] - cleanSum;
        }
        var scores = sums.Select(s => s.Select(v => (float)(v / count)).ToArray()).ToArray();
        if (only is not null)
            for (int l = 0; l < layers.Count; l++)
            {
                var measured = only[l].ToHashSet();
                for (int j = 0; j < scores[l].Length; j++) if (!measured.Contains(j)) scores[l][j] = float.NaN;
            }
        return scores;
    }

    /// <summary>Neurons of one layer, least important first (ties by index, so the order is deterministic).</summary>
    public static int[] Ascending(float[] scores) =>
        [.. Enumerable.Range(0, scores.Length).OrderBy(j => scores[j]).ThenBy(j => j)];

    private static double RowNorm(Tensor w, int row, bool l1)
    {
        var r = w.Span.Slice(row * w.Shape[1], w.Shape[1]);
        double s = 0;
        foreach (var v in r) s += l1 ? Math.Abs(v) : (double)v * v;
        return s;
    }

    private static double ColumnNorm(Tensor w, int column, bool l1)
    {
        var span = w.Span;
        int rows = w.Shape[0], cols = w.Shape[1];
        double s = 0;
        for (int r = 0; r < rows; r++) { double v = span[r * cols + column]; s += l1 ? Math.Abs(v) : v * v; }
        return l1 ? s : Math.Sqrt(s);
    }
}
