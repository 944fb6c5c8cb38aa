using Interrogate.Kernels;
using Interrogate.Models.Conv;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;

namespace Interrogate.Bench;

/// <summary>
/// The default MNIST conv net (conv 5×5 16 → pool → conv 5×5 32 → pool → 128 → 10, ReLU) on random
/// MNIST-shaped data: training samples/s (batch 64, forward + backward + AdamW, as `train mnist
/// --model conv` does) and evaluation samples/s (batch 500, no tape). No peer: PyTorch is not on
/// every machine; the figure tracks our own conv path (im2col + GEMM) from change to change.
/// </summary>
public sealed class ConvBenchmark : IBenchmark
{
    private const int TrainBatch = 64, EvalBatch = 500, Rows = 2000;

    public string Name => "conv";
    public string Description => "MNIST conv net (16/32 5x5 filters) training (b64, AdamW) and evaluation (b500) samples/s";

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        var rows = new List<BenchRow>();
        var rng = new TensorRandom(0);
        var x = rng.Uniform([Rows, 784], 0f, 1f);
        var y = Enumerable.Range(0, Rows).Select(_ => rng.NextInt(10)).ToArray();
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            var model = new ConvClassifier(new ConvConfig(), 0);
            var adam = ClassifierTraining.CreateOptimizer(model, new ClassifierTrainingOptions());
            int position = 0;
            void TrainStep()
            {
                int start = position++ * TrainBatch % (Rows - TrainBatch);
                using (var tape = new GradientTape())
                    tape.Backward(model.Forward(x.Slice(0, start, TrainBatch)).CrossEntropy(y.AsSpan(start, TrainBatch).ToArray()));
                adam.Step();
                adam.ZeroGrad();
            }
            void EvalStep()
            {
                using var _ = GradientTape.NoGrad();
                model.Forward(x.Slice(0, 0, EvalBatch));
            }
            Add(rows, $"train b{TrainBatch}", threads, TrainBatch, Measure.Interleaved(TrainStep, null, options.Reps, options.MinSeconds).Ours);
            Add(rows, $"eval b{EvalBatch}", threads, EvalBatch, Measure.Interleaved(EvalStep, null, options.Reps, options.MinSeconds).Ours);
        }
        return rows;
    }

    private static void Add(List<BenchRow> rows, string shape, int threads, int batch, double[] secondsPerCall)
    {
        var perSecond = secondsPerCall.Select(s => batch / s).ToArray();
        Console.Error.WriteLine($"conv {shape} t{threads}: {Measure.Median(perSecond):N0} samples/s");
        rows.Add(new BenchRow(shape, threads, Measure.Median(perSecond), null, "samples/s", "-") { OursMin = perSecond.Min(), OursMax = perSecond.Max() });
    }
}
