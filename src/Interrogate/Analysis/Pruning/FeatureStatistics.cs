using Interrogate.Analysis.Importance;
using Interrogate.Features;
using Interrogate.Nn;
using Interrogate.Subjects;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Pruning;

/// <summary>
/// What the neuron methods read from a forward pass, for a dictionary's features over the calibration tokens:
/// <see cref="LayerStatistics"/> (means, variances, activation norms, and the norms of the encoder's input
/// features, which Wanda weighs the encoder rows by), and the gradients Taylor and attribution patching use,
/// taken at the feature hook (<see cref="FeatureHook"/>: an edit changes only the decoder contribution).
/// </summary>
public static class FeatureStatistics
{
    /// <summary>One pass over the calibration windows of <paramref name="text"/>.</summary>
    public static LayerStatistics Measure(SparseDictionary dictionary, LanguageModelSubject text)
    {
        int n = dictionary.Latents, input = dictionary.InputWidth;
        double[] sum = new double[n], squares = new double[n], inputSquares = new double[input];
        long[] active = new long[n];
        long rows = 0;
        var windows = text.CalibrationWindows;
        using var _ = GradientTape.NoGrad();
        for (int b = 0; b < text.CalibrationBatchCount; b++)
        {
            var batch = WindowedTokens.Batch(windows, b, text.BatchSize);
            using var hooks = new HookScope().Cache(dictionary.HookIn);
            text.Model.Forward(batch);
            var x = hooks.Cached[dictionary.HookIn].ContiguousData().Span;   // [B, T, input]
            int count = x.Length / input;
            for (int i = 0; i < x.Length; i++) inputSquares[i % input] += (double)x[i] * x[i];
            var codes = dictionary.Encode(x, count);
            for (int e = 0; e < codes.Index.Length; e++)
            {
                double v = codes.Value[e];
                int f = codes.Index[e];
                sum[f] += v;
                squares[f] += v * v;
                if (v > 0) active[f]++;
            }
            rows += count;
        }
        var mean = new float[n];
        var variance = new float[n];
        var fraction = new float[n];
        var norm = new float[n];
        for (int f = 0; f < n; f++)
        {
            double m = sum[f] / rows;
            (mean[f], variance[f]) = ((float)m, (float)Math.Max(0, squares[f] / rows - m * m));
            (fraction[f], norm[f]) = ((float)active[f] / rows, (float)Math.Sqrt(squares[f]));
        }
        return new LayerStatistics(mean, variance, fraction, norm, [.. inputSquares.Select(s => (float)Math.Sqrt(s))], rows);
    }

    /// <summary>
    /// Per feature over the calibration predictions: Taylor's mean |a·∂L/∂a| and attribution patching's
    /// Σ (μ − a)·∂L/∂a / predictions (<see cref="Attribution.AttributionScreen.Estimate"/>, as `neurons --screen atp` uses it).
    /// </summary>
    public static (double[] Taylor, double[] AtP) Gradients(SparseDictionary dictionary, LanguageModelSubject text, float[] means)
    {
        var model = text.Model;
        var hook = FeatureHook.Attach(model, dictionary, "--units");
        try
        {
            var batches = Enumerable.Range(0, text.CalibrationBatchCount).Select(b => WindowedTokens.Batch(text.CalibrationWindows, b, text.BatchSize)).ToList();
            var atp = Attribution.AttributionScreen.Estimate(model, batches, [.. batches.Select(b => Enumerable.Repeat(true, b.Batch * b.Length).ToArray())],
                [hook.Name], new Dictionary<string, float[]> { [hook.Name] = means }, gradDrop: false)[0].AtP;
            var taylor = new double[dictionary.Latents];
            long rows = 0;
            foreach (var batch in batches)
            {
                using var scope = new HookScope().KeepGradient(hook.Name);
                using var tape = new GradientTape();
                var loss = Models.Transformer.CausalLanguageModel.NextTokenLoss(model.Forward(batch), batch);
                tape.Backward(loss.Mul(batch.Batch * (batch.Length - 1)));
                var a = scope.Cached[hook.Name];
                if (a.Grad is null) continue;
                var values = a.ContiguousData().Span;
                var grads = a.Grad.ContiguousData().Span;
                for (int i = 0; i < values.Length; i++) taylor[i % dictionary.Latents] += Math.Abs(values[i] * grads[i]);
                rows += values.Length / dictionary.Latents;
                model.ZeroGrad();
            }
            return ([.. taylor.Select(v => rows == 0 ? 0 : v / rows)], atp);
        }
        finally
        {
            foreach (var name in new[] { dictionary.HookIn, dictionary.HookOut }.Distinct())
                model.FindHookPoint(name)!.Attachments.RemoveAll(x => x.Name == hook.Name);
        }
    }
}
