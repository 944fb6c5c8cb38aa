using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Importance;

/// <summary>
/// Per-neuron activation statistics of one layer over the calibration data. "Active" means a value
/// above zero (ReLU's definition; for GELU/SiLU it counts the positive part). Means, variances and
/// input norms are accumulated in double.
/// </summary>
public sealed record LayerStatistics(float[] Mean, float[] Variance, float[] FractionActive, float[] ActivationNorm, float[] InputNorm, long Rows)
{
    /// <summary>A neuron that never varies on the calibration data (dead or constant): removing it after folding its mean into the bias changes nothing.</summary>
    public bool IsConstant(int neuron) => Variance[neuron] <= 1e-12f;
}

/// <summary>One forward pass over the calibration batches that measures every layer's <see cref="LayerStatistics"/>.</summary>
public static class CalibrationStatistics
{
    public static IReadOnlyList<LayerStatistics> Measure(Subject network, Action<double>? progress = null)
    {
        var layers = network.Layers;
        var acc = layers.Select(l => new Accumulator(l.Width, l.Incoming[0].Weight.Shape[1])).ToArray();
        for (int b = 0; b < network.CalibrationBatchCount; b++)
        {
            using (GradientTape.NoGrad())
            using (var hooks = new HookScope())
            {
                foreach (var l in layers)
                {
                    hooks.Cache(l.ActivationHook);
                    if (l.InputHook is not null) hooks.Cache(l.InputHook);
                }
                network.CalibrationLoss(b);
                var raw = network.InputSquares(b);
                for (int i = 0; i < layers.Count; i++)
                {
                    acc[i].AddActivations(hooks.Cached[layers[i].ActivationHook].ContiguousData().Span);
                    if (layers[i].InputHook is { } input) acc[i].AddInputSquares(hooks.Cached[input].ContiguousData().Span);
                    else if (raw is not null) acc[i].AddInputSquares(raw);
                }
            }
            progress?.Invoke((b + 1.0) / network.CalibrationBatchCount);
        }
        return [.. acc.Select(a => a.Result())];
    }

    private sealed class Accumulator(int width, int inputs)
    {
        private readonly double[] sum = new double[width], squares = new double[width], inputSquares = new double[inputs];
        private readonly long[] active = new long[width];
        private long rows;

        /// <summary>values: [rows, width] flattened.</summary>
        public void AddActivations(ReadOnlySpan<float> values)
        {
            int n = values.Length / width;
            for (int r = 0; r < n; r++)
            {
                var row = values.Slice(r * width, width);
                for (int j = 0; j < width; j++)
                {
                    double v = row[j];
                    sum[j] += v;
                    squares[j] += v * v;
                    if (v > 0) active[j]++;
                }
            }
            rows += n;
        }

        /// <summary>values: [rows, inputs] flattened.</summary>
        public void AddInputSquares(ReadOnlySpan<float> values)
        {
            for (int r = 0; r < values.Length / inputs; r++)
                for (int i = 0; i < inputs; i++) { double v = values[r * inputs + i]; inputSquares[i] += v * v; }
        }

        public void AddInputSquares(double[] perFeature)
        {
            for (int i = 0; i < inputs; i++) inputSquares[i] += perFeature[i];
        }

        public LayerStatistics Result()
        {
            var mean = new float[width];
            var variance = new float[width];
            var fraction = new float[width];
            var norm = new float[width];
            for (int j = 0; j < width; j++)
            {
                double m = sum[j] / rows;
                mean[j] = (float)m;
                variance[j] = (float)Math.Max(0, squares[j] / rows - m * m);
                fraction[j] = (float)active[j] / rows;
                norm[j] = (float)Math.Sqrt(squares[j]);
            }
            return new LayerStatistics(mean, variance, fraction, norm, [.. inputSquares.Select(s => (float)Math.Sqrt(s))], rows);
        }
    }
}
