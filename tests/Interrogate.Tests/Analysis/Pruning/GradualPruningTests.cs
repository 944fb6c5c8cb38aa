using Interrogate.Analysis.Pruning;
using Interrogate.Tests.Analysis.Importance;

namespace Interrogate.Tests.Analysis.Pruning;

public sealed class GradualPruningTests
{
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(50, 0.7875)]   // 0.9·(1 − 0.5³)
    [InlineData(100, 0.9)]
    [InlineData(150, 0.9)]
    public void SparsityAt_CubicRamp_MatchesZhuGupta(int step, double expected) =>
        Assert.Equal(expected, new GradualSchedule(0.9, 100, 30).SparsityAt(step), 12);

    [Fact]
    public void UpdatesAfter_Every30Ramp100_MultiplesThenTheRampEnd()
    {
        var schedule = new GradualSchedule(0.9, 100, 30);
        Assert.Equal([30, 60, 90, 100], Enumerable.Range(0, 200).Where(schedule.UpdatesAfter));
    }

    [Fact]
    public void For_HalfOf4000Steps_RampsOver2000()
    {
        var schedule = GradualSchedule.For(0.92, 4000, 0.5, 100);
        Assert.Equal(2000, schedule.RampSteps);
        Assert.Equal(0.92, schedule.SparsityAt(2000), 12);
    }

    [Fact]
    public void FineTuning_MaskAfter_CalledAfterEveryStepInOrder()
    {
        var net = ImportanceFixtures.Classifier();
        var calls = new List<int>();
        FineTuning.Run(net, null, done => { calls.Add(done); return null; }, new FineTuneOptions { Steps = 5, LearningRate = 1e-2f });
        Assert.Equal([1, 2, 3, 4, 5], calls);
    }

    [Fact]
    public void Run_Gradual_EndsAtTheTargetWithPrunedWeightsZeroAndCountsPerMatrix()
    {
        var net = ImportanceFixtures.Classifier();
        var request = new PruningRequest
        {
            Method = PruningMethod.Magnitude, Target = 0.5, Unstructured = true, Schedule = PruningSchedule.Gradual, Ramp = 0.5, PruneEvery = 3,
            FineTune = new FineTuneOptions { Steps = 20, LearningRate = 1e-2f },
        };
        var (pruned, report) = PruningRun.Run(net, request);
        Assert.Equal(PruningSchedule.Gradual, report.Schedule);
        Assert.Equal(0.5, report.WeightSparsity!.Value, 6);   // 31 of 62 weights
        Assert.Equal([30L, 20L, 12L], report.Matrices!.Select(m => m.Weights));
        Assert.Equal(31, report.Matrices!.Sum(m => m.Kept));
        long zerosInMatrices = pruned.PrunableWeights().Sum(w => w.Weight.ToArray().Count(v => v == 0f));
        Assert.Equal(31, zerosInMatrices);
        Assert.NotNull(report.Tuned);
    }

    [Theory]
    [InlineData(PruningSchedule.Gradual, false, 10, 1, 0.5, 100, "--unstructured")]
    [InlineData(PruningSchedule.Gradual, true, 0, 1, 0.5, 100, "--finetune")]
    [InlineData(PruningSchedule.Gradual, true, 10, 3, 0.5, 100, "--rounds")]
    [InlineData(PruningSchedule.Gradual, true, 10, 1, 0.0, 100, "--ramp")]
    [InlineData(PruningSchedule.Gradual, true, 10, 1, 1.5, 100, "--ramp")]
    [InlineData(PruningSchedule.Gradual, true, 10, 1, 0.5, 0, "--prune-every")]
    public void Validate_BadGradualSettings_NameTheFlag(PruningSchedule schedule, bool unstructured, int steps, int rounds, double ramp, int every, string flag)
    {
        var request = new PruningRequest
        {
            Method = PruningMethod.Magnitude, Target = 0.5, Unstructured = unstructured, Schedule = schedule, Rounds = rounds, Ramp = ramp, PruneEvery = every,
            FineTune = new FineTuneOptions { Steps = steps },
        };
        Assert.Contains(flag, Assert.Throws<InputException>(request.Validate).Message);
    }
}
