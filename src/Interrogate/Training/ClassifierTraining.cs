using Interrogate.Data;
using Interrogate.Models;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Training;

/// <summary>Settings of a classifier training run.</summary>
public sealed record ClassifierTrainingOptions
{
    public int Epochs { get; init; } = 25;
    public int BatchSize { get; init; } = 64;
    public float LearningRate { get; init; } = 1e-3f;
    public string Optimizer { get; init; } = "adamw";
    public float WeightDecay { get; init; } = 0.01f;
    public float Momentum { get; init; } = 0.9f;
    public ulong Seed { get; init; }
    /// <summary>Cosine decay of the rate over the run, after a short warm-up.</summary>
    public bool CosineSchedule { get; init; } = true;
}

/// <summary>One report per finished epoch (and per step, for live progress).</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, long Step, long TotalSteps, float Loss, double SamplesPerSecond);

/// <summary>Accuracy and mean cross-entropy of a classifier on a labelled set.</summary>
public sealed record ClassifierMetrics(double Accuracy, double Loss, int Count);

/// <summary>Mini-batch gradient descent for image classifiers, and their evaluation.</summary>
public static class ClassifierTraining
{
    public static void Train(IClassifier model, LabelledImages train, ClassifierTrainingOptions options,
        Action<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        var rng = new TensorRandom(options.Seed ^ 0x5DEECE66DUL);
        int batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
        long totalSteps = (long)batches * options.Epochs;
        var optimizer = CreateOptimizer(model, options);
        var schedule = new CosineSchedule(options.LearningRate, WarmupSteps: Math.Min(100, batches), TotalSteps: (int)totalSteps,
            MinRate: options.LearningRate * 0.05f);
        var order = Enumerable.Range(0, train.Count).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long step = 0, samples = 0;
        model.Module.SetTraining(true);
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            rng.Shuffle<int>(order);
            for (int b = 0; b < batches; b++)
            {
                cancel.ThrowIfCancellationRequested();
                int start = b * options.BatchSize;
                var (x, y) = train.Batch(order.AsSpan(start, Math.Min(options.BatchSize, train.Count - start)));
                float loss;
                using (var tape = new GradientTape())
                {
                    var lossTensor = model.Forward(x).CrossEntropy(y);
                    loss = lossTensor.Item();
                    tape.Backward(lossTensor);
                }
                if (options.CosineSchedule) optimizer.LearningRate = schedule.RateAt(step);
                optimizer.Step();
                optimizer.ZeroGrad();
                step++;
                samples += y.Length;
                if (progress is not null && (step % 25 == 0 || b == batches - 1))
                    progress(new TrainingProgress(epoch + 1, options.Epochs, step, totalSteps, loss, samples / clock.Elapsed.TotalSeconds));
            }
        }
        model.Module.SetTraining(false);
    }

    public static Optimizer CreateOptimizer(IClassifier model, ClassifierTrainingOptions options) => options.Optimizer switch
    {
        // Only matrices and kernels (rank ≥ 2) take weight decay; biases and norm scales do not, as is usual.
        "adamw" => new AdamW(model.Module.NamedParameters(), options.LearningRate, weightDecay: options.WeightDecay,
            decays: MatrixNames(model).Contains),
        "sgd" => new Sgd(model.Module.NamedParameters(), options.LearningRate, options.Momentum, options.WeightDecay),
        _ => throw new InputException($"--optimizer: unknown optimizer '{options.Optimizer}' (known: adamw, sgd)"),
    };

    private static HashSet<string> MatrixNames(IClassifier model) =>
        [.. model.Module.NamedParameters().Where(p => p.Tensor.Rank >= 2).Select(p => p.Name)];

    /// <summary>Accuracy and mean loss over a whole set, without recording gradients.</summary>
    public static ClassifierMetrics Evaluate(IClassifier model, LabelledImages data, int batchSize = 500)
    {
        model.Module.SetTraining(false);
        int correct = 0;
        double lossSum = 0;
        var indices = Enumerable.Range(0, data.Count).ToArray();
        using var _ = GradientTape.NoGrad();
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            var (x, y) = data.Batch(indices.AsSpan(start, n));
            var logits = model.Forward(x);
            lossSum += (double)logits.CrossEntropy(y).Item() * n;
            var l = logits.Span;
            int classes = logits.Shape[1];
            for (int i = 0; i < n; i++)
            {
                var row = l.Slice(i * classes, classes);
                if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row) == y[i]) correct++;
            }
        }
        return new ClassifierMetrics((double)correct / data.Count, lossSum / data.Count, data.Count);
    }
}
