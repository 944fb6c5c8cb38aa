using Interrogate.Models;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Training.Experiments;
using Interrogate.Training;
using Interrogate.Training.Adversarial;
using Interrogate.Training.Experiments;

namespace Interrogate.Tests.Training.Adversarial;

public class AdversarialTests
{
    private static readonly Lazy<IClassifier> Trained = new(() =>
    {
        var train = FakeMnist.Images(30, 11);
        var model = ModelFactory.Create(new RunConfig { HiddenSizes = [32] }, 28, 28, 10, 3);
        // Full-batch AdamW on the 300-image toy set: enough to fit it, so attacks have a low loss to raise.
        var optimizer = ClassifierTraining.CreateOptimizer(model, new ClassifierTrainingOptions { LearningRate = 3e-3f });
        model.Module.SetTraining(true);
        var all = Enumerable.Range(0, train.Count).ToArray();
        for (int epoch = 0; epoch < 20; epoch++)
        {
            var (x, y) = train.Batch(all);
            using (var tape = new GradientTape()) tape.Backward(model.Forward(x).CrossEntropy(y));
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        model.Module.SetTraining(false);
        return model;
    });

    private static float Loss(IClassifier model, Tensor x, int[] y)
    {
        using var _ = GradientTape.NoGrad();
        return model.Forward(x).CrossEntropy(y).Item();
    }

    private static float MaxAbsDiff(Tensor a, Tensor b) =>
        a.ToArray().Zip(b.ToArray(), (p, q) => MathF.Abs(p - q)).Max();

    [Fact]
    public void Fgsm_TrainedModel_IncreasesLossWithinEpsilon()
    {
        var model = Trained.Value;
        var (x, y) = FakeMnist.Images(5, 99).Batch([.. Enumerable.Range(0, 50)]);
        var adv = Attacks.Fgsm(model, x, y, 0.1f);
        Assert.True(Loss(model, adv, y) > Loss(model, x, y) + 0.05f, $"clean {Loss(model, x, y)}, fgsm {Loss(model, adv, y)}");
        Assert.True(MaxAbsDiff(adv, x) <= 0.1f + 1e-6f);
        Assert.All(adv.ToArray(), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Pgd_AtLeastAsStrongAsFgsm_AndLeavesWeightsAlone()
    {
        var model = Trained.Value;
        var before = model.Module.Parameters().Select(p => p.ToArray()).ToList();
        var (x, y) = FakeMnist.Images(5, 98).Batch([.. Enumerable.Range(0, 50)]);
        var pgd = Attacks.Pgd(model, x, y, 0.1f, 10, new TensorRandom(1));
        Assert.True(Loss(model, pgd, y) >= Loss(model, Attacks.Fgsm(model, x, y, 0.1f), y) - 1e-3f);
        Assert.True(MaxAbsDiff(pgd, x) <= 0.1f + 1e-6f);
        Assert.Equal(before, model.Module.Parameters().Select(p => p.ToArray()).ToList());
        Assert.All(model.Module.Parameters(), p => Assert.True(p.RequiresGrad && p.Grad is null));
    }

    [Fact]
    public void Generator_Training_StaysWithinEpsilonAndRaisesLoss()
    {
        var model = Trained.Value;
        var (x, y) = FakeMnist.Images(5, 97).Batch([.. Enumerable.Range(0, 50)]);
        var generator = new PerturbationGenerator(784, 32, 0.1f, 3e-3f, seed: 5);
        float first = generator.TrainStep(model, x, y), last = first;
        for (int i = 0; i < 30; i++) last = generator.TrainStep(model, x, y);
        Assert.True(last > first, $"generator did not learn to raise the loss: {first} → {last}");
        var adv = generator.Generate(x);
        Assert.True(MaxAbsDiff(adv, x) <= 0.1f + 1e-6f);
        Assert.All(adv.ToArray(), v => Assert.InRange(v, 0f, 1f));
        Assert.All(model.Module.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void RunTrainer_AdversarialModes_ReportRobustAccuracy()
    {
        var train = FakeMnist.Images(10, 12);
        var test = FakeMnist.Images(2, 13);
        foreach (var mode in new[] { "fgsm", "pgd", "generator" })
        {
            var config = new RunConfig { HiddenSizes = [16], Epochs = 1, BatchSize = 25, Adversarial = mode, AttackSteps = 2, RobustEpsilon = 0.1f, RobustSteps = 2 };
            var run = RunTrainer.Run(new ExperimentSetting(mode, config), 0, train, test);
            Assert.InRange(run.RobustAccuracy!.Value, 0, run.TestAccuracy + 1e-9);
        }
    }
}
