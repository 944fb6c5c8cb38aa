using Interrogate.Analysis.Attribution;
using Interrogate.Analysis.Importance;
using Interrogate.Nn;
using Interrogate.Subjects;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Pruning;

/// <summary>
/// Attribution patching's estimate of what `--method ablation` measures exactly: every unit's change of the
/// mean calibration loss when it is replaced by its calibration mean, ΔL̂_j = Σ (μ_j − a_j)·∂L/∂a_j over the
/// calibration predictions, from one forward and backward pass per calibration batch (exact ablation runs
/// one pass per unit). Language models go through <see cref="AttributionScreen.Estimate"/> (the AtP `neurons
/// --screen atp` uses), with the same means the exact ablation uses; other subjects (the MNIST classifier)
/// through the same formula on <see cref="Subject.CalibrationLoss"/>. Estimates only choose what to measure.
/// </summary>
public static class AtpEstimate
{
    /// <returns>Per layer, [width] signed estimates (positive: removing the unit raises the loss).</returns>
    public static double[][] MeanAblation(Subject network, IReadOnlyList<LayerStatistics> stats)
    {
        if (network is LanguageModelSubject lm) return Language(lm, stats);
        var layers = network.Layers;
        var sums = layers.Select(l => new double[l.Width]).ToArray();
        long total = 0;
        for (int b = 0; b < network.CalibrationBatchCount; b++)
        {
            using (var hooks = new HookScope().KeepGradient([.. layers.Select(l => l.ActivationHook)]))
            using (var tape = new GradientTape())
            {
                var (loss, count) = network.CalibrationLoss(b);
                tape.Backward(loss.Mul((float)count));   // the summed loss: batches weigh by their predictions
                total += count;
                for (int l = 0; l < layers.Count; l++)
                {
                    var a = hooks.Cached[layers[l].ActivationHook];
                    if (a.Grad is null) continue;
                    var values = a.ContiguousData().Span;
                    var grads = a.Grad.ContiguousData().Span;
                    var mean = stats[l].Mean;
                    int w = layers[l].Width;
                    for (int i = 0; i < values.Length; i++) sums[l][i % w] += (mean[i % w] - values[i]) * (double)grads[i];
                }
            }
            network.Module.ZeroGrad();
        }
        return [.. sums.Select(s => s.Select(v => total == 0 ? 0 : v / total).ToArray())];
    }

    private static double[][] Language(LanguageModelSubject lm, IReadOnlyList<LayerStatistics> stats)
    {
        var batches = Enumerable.Range(0, lm.CalibrationBatchCount).Select(b => WindowedTokens.Batch(lm.CalibrationWindows, b, lm.BatchSize)).ToList();
        var scored = batches.Select(b => Enumerable.Repeat(true, b.Batch * b.Length).ToArray()).ToList();
        var hooks = lm.Layers.Select(l => l.ActivationHook).ToList();
        var means = lm.Layers.Select((l, i) => (l.ActivationHook, stats[i].Mean)).ToDictionary(p => p.ActivationHook, p => p.Mean);
        var scores = AttributionScreen.Estimate(lm.Model, batches, scored, hooks, means, gradDrop: false);
        try
        {
            return [.. scores.Select(s => s.AtP)];
        }
        finally
        {
            lm.Model.ZeroGrad();
        }
    }
}
