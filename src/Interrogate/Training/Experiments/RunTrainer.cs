using Interrogate.Data;
using Interrogate.Models;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training.Adversarial;
using Interrogate.Training.Tricks;

namespace Interrogate.Training.Experiments;

/// <summary>Where one run's learning curve stood after an epoch.</summary>
public sealed record EpochPoint(int Epoch, double TrainLoss, double TestLoss, double TestAccuracy);

/// <summary>The outcome of one (setting, seed) run: final test metrics and the per-epoch curve.</summary>
/// <remarks>RobustAccuracy: Accuracy under PGD at the config's robust_epsilon; null when that is 0.</remarks>
public sealed record RunResult(string Setting, ulong Seed, double TestAccuracy, double TestLoss, double TrainLoss,
    double? RobustAccuracy, double Seconds, IReadOnlyList<EpochPoint> Curve);

/// <summary>
/// Trains one classifier with every trick its <see cref="RunConfig"/> switches on, evaluating the
/// test set after each epoch. Adversarial examples replace the first adversarial_fraction of each
/// (shuffled) batch and are made against the current weights: FGSM, PGD, or the generator network,
/// which takes one ascent step on the classifier's loss before each classifier step.
/// </summary>
public static class RunTrainer
{
    /// <remarks>progress: Called after each batch with the fraction of this run done.</remarks>
    public static RunResult Run(ExperimentSetting setting, ulong seed, LabelledImages train, LabelledImages test,
        Action<double>? progress = null, CancellationToken cancel = default)
    {
        var c = setting.Config;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var data = DataFraction.Take(train, c.DataFraction, seed);
        var model = Standardisation.Wrap(ModelFactory.Create(c, data.Width, data.Height, data.Classes, seed), data, c.Standardise);
        var options = new ClassifierTrainingOptions
        {
            Epochs = c.Epochs, BatchSize = c.BatchSize, LearningRate = c.Lr, Optimizer = c.Optimizer,
            WeightDecay = c.WeightDecay, Momentum = c.Momentum, Seed = seed, CosineSchedule = c.CosineSchedule,
        };
        var optimizer = ClassifierTraining.CreateOptimizer(model, options);
        int batches = (data.Count + c.BatchSize - 1) / c.BatchSize;
        long totalSteps = (long)batches * c.Epochs;
        var schedule = new CosineSchedule(c.Lr, WarmupSteps: Math.Min(100, batches), TotalSteps: (int)totalSteps, MinRate: c.Lr * 0.05f);
        var rng = new TensorRandom(seed ^ 0x5DEECE66DUL);
        var augmentRng = rng.Fork();
        var attackRng = rng.Fork();
        var generator = c.Adversarial == "generator"
            ? new PerturbationGenerator(data.Features, c.GeneratorHidden, c.Epsilon, c.GeneratorLr, seed) : null;
        var order = Enumerable.Range(0, data.Count).ToArray();
        var curve = new List<EpochPoint>();
        long step = 0;
        for (int epoch = 1; epoch <= c.Epochs; epoch++)
        {
            model.Module.SetTraining(true);
            rng.Shuffle<int>(order);
            double lossSum = 0;
            for (int b = 0; b < batches; b++)
            {
                cancel.ThrowIfCancellationRequested();
                int start = b * c.BatchSize;
                var (x, y) = data.Batch(order.AsSpan(start, Math.Min(c.BatchSize, data.Count - start)));
                ShiftAugmentation.Apply(x, data.Width, data.Height, c.Shift, augmentRng);
                MixInAdversarial(model, generator, c, x, y, attackRng);
                using (var tape = new GradientTape())
                {
                    var loss = model.Forward(x).CrossEntropy(y);
                    lossSum += loss.Item();
                    tape.Backward(loss);
                }
                if (c.CosineSchedule) optimizer.LearningRate = schedule.RateAt(step);
                optimizer.Step();
                optimizer.ZeroGrad();
                step++;
                progress?.Invoke((double)step / totalSteps);
            }
            var metrics = ClassifierTraining.Evaluate(model, test);
            curve.Add(new EpochPoint(epoch, lossSum / batches, metrics.Loss, metrics.Accuracy));
        }
        double? robust = c.RobustEpsilon > 0
            ? Attacks.RobustAccuracy(model, test, c.RobustEpsilon, c.RobustSteps, c.RobustCount, seed) : null;
        var last = curve[^1];
        return new RunResult(setting.Name, seed, last.TestAccuracy, last.TestLoss, last.TrainLoss, robust, clock.Elapsed.TotalSeconds, curve);
    }

    /// <summary>Replaces the first adversarial_fraction of the batch x: [n, features] by adversarial versions, in place.</summary>
    private static void MixInAdversarial(IClassifier model, PerturbationGenerator? generator, RunConfig c, Tensor x, int[] y, TensorRandom rng)
    {
        if (c.Adversarial == "none") return;
        int n = y.Length, f = x.Shape[1];
        int k = (int)Math.Round(c.AdversarialFraction * n);
        // The generator learns on the whole clean batch, then perturbs the share that is mixed in.
        generator?.TrainStep(model, x, y);
        if (k == 0) return;
        var head = Tensor.FromArray(x.Span[..(k * f)], k, f);
        var headY = y[..k];
        var adv = c.Adversarial switch
        {
            "fgsm" => Attacks.Fgsm(model, head, headY, c.Epsilon),
            "pgd" => Attacks.Pgd(model, head, headY, c.Epsilon, c.AttackSteps, rng),
            "generator" => generator!.Generate(head),
            _ => throw new ArgumentException($"unknown adversarial mode '{c.Adversarial}'"),
        };
        adv.Span.CopyTo(x.Span[..(k * f)]);
    }
}
