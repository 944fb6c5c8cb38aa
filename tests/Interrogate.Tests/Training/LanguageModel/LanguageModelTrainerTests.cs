using Interrogate.Data.Corpora;
using Interrogate.Kernels;
using Interrogate.Models.Gpt2;
using Interrogate.Training.LanguageModel;

namespace Interrogate.Tests.Training.LanguageModel;

/// <summary>Resumable training on a micro GPT (1 layer, d 16) and a patterned token stream: each run takes well under a second.</summary>
public sealed class LanguageModelTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("interrogate-lmtrain-").FullName;
    private readonly TokenFile _train, _validation;

    private static readonly Gpt2Config Config = new() { VocabSize = 32, ContextLength = 16, DModel = 16, Layers = 1, Heads = 2, BosId = null, EosId = null };

    private static readonly LanguageModelTrainingOptions Options = new()
    {
        Seed = 7, Steps = 12, BatchSize = 4, SequenceLength = 16, LearningRate = 1e-2f, MinLearningRate = 1e-3f, WarmupSteps = 3,
        EvalEvery = 4, EvalWindows = 5, CheckpointEvery = 4,
    };

    public LanguageModelTrainerTests()
    {
        _train = Tokens("train.tok", 2000, 1);
        _validation = Tokens("validation.tok", 300, 2);
    }

    // A learnable stream: mostly "next = previous + 1 (mod 32)", with noise.
    private TokenFile Tokens(string name, int count, ulong seed)
    {
        var rng = new Interrogate.Tensors.TensorRandom(seed);
        var ids = new int[count];
        for (int i = 1; i < count; i++) ids[i] = rng.NextDouble() < 0.8 ? (ids[i - 1] + 1) % 32 : rng.NextInt(32);
        var path = Path.Combine(_dir, name);
        TokenFile.Write(path, 32, write => write(ids));
        return TokenFile.Open(path);
    }

    public void Dispose()
    {
        _train.Dispose();
        _validation.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private (LanguageModelTrainingResult Result, float[] Weights, List<(long, double)> Losses, List<(long, double)> Validation) Run(
        string name, LanguageModelTrainingOptions options, bool resume = false, CancellationToken cancel = default, Action<LanguageModelProgress>? progress = null)
    {
        var model = new Gpt2Model(Config, options.Seed);
        var outDir = Path.Combine(_dir, name);
        var result = new LanguageModelTrainer(model, options, outDir).Train(_train, _validation, resume, progress, cancel);
        var weights = model.NamedParameters().SelectMany(p => p.Tensor.ToArray()).ToArray();
        var log = Path.Combine(outDir, LanguageModelTrainer.LogFile);
        return (result, weights, TrainingLog.Read(log, "loss"), TrainingLog.Read(log, "val_loss"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Resume_AfterStopAtStep6_GivesBitIdenticalWeightsAndCurves(int threads)
    {
        var saved = Parallelism.Threads;
        Parallelism.Threads = threads;
        try
        {
            var whole = Run("whole", Options);
            var first = Run("split", Options with { StopAfter = 6 });
            Assert.Equal(6, first.Result.Steps);
            Assert.False(first.Result.Finished);
            var rest = Run("split", Options, resume: true);
            Assert.Equal(6, rest.Result.ResumedFrom);
            Assert.Equal(12, rest.Result.Steps);
            Assert.Equal(whole.Weights, rest.Weights);           // bit for bit
            Assert.Equal(whole.Losses, rest.Losses);             // every step's loss, from the log
            Assert.Equal(whole.Validation, rest.Validation);
            Assert.Equal(whole.Result.ValidationLoss, rest.Result.ValidationLoss);
            Assert.True(whole.Validation[^1].Item2 < whole.Validation[0].Item2, "validation loss should fall");
        }
        finally { Parallelism.Threads = saved; }
    }

    [Fact]
    public void Resume_AfterCancellationAtStep5_MatchesUninterruptedRun()
    {
        var whole = Run("whole", Options);
        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => Run("cancelled", Options, cancel: cancel.Token, progress: p => { if (p.Step == 5) cancel.Cancel(); }));
        Assert.Equal(5, TrainingCheckpoint.TryRead(Path.Combine(_dir, "cancelled", "checkpoint"))!.Step);
        var rest = Run("cancelled", Options, resume: true);
        Assert.Equal(whole.Weights, rest.Weights);
        Assert.Equal(whole.Losses, rest.Losses);
    }

    [Fact]
    public void Resume_WithDifferentSettings_ThrowsNamingCheckpoint()
    {
        Run("a", Options with { StopAfter = 4 });
        var e = Assert.Throws<InputException>(() => Run("a", Options with { LearningRate = 5e-3f }, resume: true));
        Assert.Contains("checkpoint", e.Message);
        Assert.Contains("different configuration", e.Message);
    }

    [Fact]
    public void Train_IntoFolderWithCheckpointWithoutResume_Throws()
    {
        Run("b", Options with { StopAfter = 4 });
        Assert.Contains("--resume", Assert.Throws<InputException>(() => Run("b", Options)).Message);
    }

    [Fact]
    public void EarlyStopping_NoImprovement_StopsAfterPatienceEvaluations()
    {
        // A rate of 1e-12 leaves the weights (and so the validation loss) unchanged: never strictly better.
        var run = Run("early", Options with { LearningRate = 1e-12f, MinLearningRate = 1e-12f, Patience = 1 });
        Assert.True(run.Result.StoppedEarly);
        Assert.Equal(8, run.Result.Steps);
        Assert.Equal(2, run.Validation.Count);
    }

    [Fact]
    public void ReportedAndStoppingStarts_RoomForBoth_InterleavedAndDisjoint()
    {
        // 300 tokens hold 18 windows of 16: 2 × 5 evenly spaced, the even ones reported, the odd ones watched.
        var (reported, stopping, disjoint) = TokenWindows.ReportedAndStoppingStarts(_validation, 5, 16);
        Assert.True(disjoint);
        Assert.Equal(5, reported.Length);
        Assert.Equal(5, stopping.Length);
        var all = reported.Concat(stopping).Order().ToArray();
        for (int i = 1; i < all.Length; i++) Assert.True(all[i] - all[i - 1] >= 16, $"windows at {all[i - 1]} and {all[i]} overlap");
        Assert.Equal(TokenWindows.ValidationStarts(_validation, 10, 16).Where((_, i) => i % 2 == 0), reported);
    }

    [Fact]
    public void Train_EachEvaluation_LogsReportedAndStoppingLossesOnDifferentWindows()
    {
        Run("sets", Options);
        var log = Path.Combine(_dir, "sets", LanguageModelTrainer.LogFile);
        var reported = TrainingLog.Read(log, "val_loss");
        var stopping = TrainingLog.Read(log, "stop_loss");
        Assert.Equal(reported.Select(r => r.Item1), stopping.Select(s => s.Item1));
        Assert.Equal([4L, 8L, 12L], stopping.Select(s => s.Item1));
        Assert.All(reported.Zip(stopping), p => Assert.NotEqual(p.First.Item2, p.Second.Item2));   // other windows, other losses
        double best = TrainingLog.Read(log, "best_stop_loss")[^1].Item2;   // improvements under MinImprovement do not count
        Assert.InRange(best, stopping.Min(s => s.Item2), stopping.Min(s => s.Item2) + LanguageModelTrainer.MinImprovement);
    }

    [Fact]
    public void NgramBaseline_CountsOfATinyStream_GiveAddKProbabilities()
    {
        var path = Path.Combine(_dir, "n.tok");
        TokenFile.Write(path, 4, write => write([0, 1, 0, 1, 2]));
        using var file = TokenFile.Open(path);
        var baseline = new NgramBaseline(file, 4);
        double k = NgramBaseline.AddK;
        Assert.Equal(-Math.Log((2 + k) / (5 + 4 * k)), baseline.UnigramLoss(1), 12);
        Assert.Equal(-Math.Log((2 + k) / (2 + 4 * k)), baseline.BigramLoss(0, 1), 12);   // "0 1" twice, 0 precedes twice
        Assert.Equal(-Math.Log((0 + k) / (0 + 4 * k)), baseline.BigramLoss(2, 3), 12);   // 2 is never a context
    }
}
