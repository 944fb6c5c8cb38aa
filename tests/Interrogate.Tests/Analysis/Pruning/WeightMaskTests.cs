using Interrogate.Analysis.Importance;
using Interrogate.Analysis.Pruning;
using Interrogate.Tensors;
using Interrogate.Tests.Analysis.Importance;

namespace Interrogate.Tests.Analysis.Pruning;

public sealed class WeightMaskTests
{
    [Fact]
    public void Magnitude_HalfOfTheWeights_ZeroesExactlyTheSmallestHalfGlobally()
    {
        var net = ImportanceFixtures.Classifier();
        var weights = net.PrunableWeights();
        Assert.Equal(["layers.0.linear.weight", "layers.1.linear.weight", "head.weight"], weights.Select(w => w.Name));
        var all = weights.SelectMany(w => w.Weight.ToArray().Select(Math.Abs)).Order().ToArray();   // 30 + 20 + 12 = 62
        var mask = WeightMask.Choose(net, PruningMethod.Magnitude, 0.5);
        mask.Apply(net);
        Assert.Equal(31, mask.Zeroed);
        Assert.Equal(0.5, mask.Sparsity, 6);
        float threshold = all[30];
        foreach (var (_, w, _, _) in weights)
            foreach (var v in w.ToArray()) Assert.True(v == 0 || Math.Abs(v) > threshold || Math.Abs(v) == all[31], $"{v} kept below {threshold}");
    }

    [Fact]
    public void Wanda_PerOutputRow_DropsTheLowestScoredWeightOfEachRow()
    {
        var net = ImportanceFixtures.Classifier();
        var stats = CalibrationStatistics.Measure(net);
        var mask = WeightMask.Choose(net, PruningMethod.Wanda, 0.25, stats);   // 4 inputs per row of layers.1 → 1 dropped per row
        var keep = mask.Keep["layers.1.linear.weight"];
        var scores = WeightImportance.Wanda(net.Layers[1].Incoming[0].Weight, stats[1].InputNorm);
        for (int r = 0; r < 4; r++)
        {
            var row = Enumerable.Range(0, 5).Select(c => (Score: scores[r * 5 + c], Kept: keep[r * 5 + c])).ToList();
            Assert.Single(row, x => !x.Kept);
            Assert.Equal(row.Min(x => x.Score), row.Single(x => !x.Kept).Score);
        }
    }

    [Fact]
    public void FineTuning_WithMask_KeepsPrunedWeightsZeroAndLowersTheTrainingLoss()
    {
        var net = ImportanceFixtures.Classifier();
        var mask = WeightMask.Choose(net, PruningMethod.Magnitude, 0.6);
        mask.Apply(net);
        long zeros = WeightMask.NonZeroParameters(net);
        var losses = new List<float>();
        FineTuning.Run(net, null, mask, new FineTuneOptions { Steps = 60, LearningRate = 1e-2f }, (_, l) => losses.Add(l));
        Assert.Equal(zeros, WeightMask.NonZeroParameters(net));
        foreach (var (name, keep) in mask.Keep)
        {
            var w = net.Module.NamedParameters().Single(p => p.Name == name).Tensor.ToArray();
            Assert.All(Enumerable.Range(0, w.Length).Where(i => !keep[i]), i => Assert.Equal(0f, w[i]));
        }
        Assert.True(losses.TakeLast(10).Average() < losses.Take(10).Average(), $"{losses.Take(10).Average()} → {losses.TakeLast(10).Average()}");
    }

    [Fact]
    public void DistillationLoss_StudentEqualsTeacher_IsTSquaredTimesTeacherEntropy()
    {
        var logits = new Tensor([1f, 2f, 0.5f, -1f, 0f, 3f], 2, 3);
        const float t = 2f;
        var p = logits.Mul(1f / t).Softmax(-1);
        var loss = FineTuning.DistillationLoss(logits, p, t).Item();
        var probs = p.ToArray();
        double entropy = -probs.Sum(q => q * Math.Log(q)) / 2;
        Assert.Equal(t * t * entropy, loss, 4);
    }
}
