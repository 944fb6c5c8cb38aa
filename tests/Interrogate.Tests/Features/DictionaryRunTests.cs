using Interrogate.Features;

namespace Interrogate.Tests.Features;

public class DictionaryRunTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), $"dictrun-{Guid.NewGuid():N}");

    public void Dispose() { if (Directory.Exists(dir)) Directory.Delete(dir, true); }

    private static DictionaryRunSpec Spec(SyntheticDictionaryData data, DictionaryActivation activation = DictionaryActivation.TopK)
    {
        var rows = ActivationRows.FromArray(data.X, data.Width);
        return new DictionaryRunSpec(rows, rows, 64, activation, 4, 256, 256 * 40, new DictionaryTrainingOptions { LearningRate = 3e-3f, WarmupSteps = 5, DeadTokens = 2000 }, "h", "h", "synthetic");
    }

    [Fact]
    public void Train_StoppedAndResumed_SameDictionaryAsUninterrupted()
    {
        Directory.CreateDirectory(dir);
        var data = new SyntheticDictionaryData(32, 16, 3, 4096, seed: 1);
        var whole = DictionaryRun.Train(Spec(data), Path.Combine(dir, "a.safetensors"));
        using var stop = new CancellationTokenSource();
        string path = Path.Combine(dir, "b.safetensors");
        Assert.Throws<OperationCanceledException>(() => DictionaryRun.Train(Spec(data), path, p => { if (p.Step == 17) stop.Cancel(); }, stop.Token));
        bool resumed = false;
        var second = DictionaryRun.Train(Spec(data), path, p => resumed |= p.Resumed);
        Assert.True(resumed);
        Assert.Equal(whole.EncoderWeight, second.EncoderWeight);
        Assert.Equal(whole.DecoderWeight, second.DecoderWeight);
        Assert.Equal(whole.DecoderBias, second.DecoderBias);
    }

    [Fact]
    public void Train_CheckpointOfAnotherRun_Refused()
    {
        Directory.CreateDirectory(dir);
        var data = new SyntheticDictionaryData(32, 16, 3, 4096, seed: 1);
        string path = Path.Combine(dir, "c.safetensors");
        DictionaryRun.Train(Spec(data), path);
        Assert.Contains("different run", Assert.Throws<InputException>(() => DictionaryRun.Train(Spec(data) with { Latents = 32 }, path)).Message);
    }

    [Theory]
    [InlineData(DictionaryActivation.TopK)]
    [InlineData(DictionaryActivation.Relu)]
    [InlineData(DictionaryActivation.JumpRelu)]
    public void Train_EveryActivation_ReconstructsHeldOutRowsSparsely(DictionaryActivation activation)
    {
        var data = new SyntheticDictionaryData(32, 16, 3, 8192, seed: 2);
        var all = ActivationRows.FromArray(data.X, data.Width);
        var (train, heldOut) = (ActivationRows.Split(all, 128, 10, false), ActivationRows.Split(all, 128, 10, true));
        var options = new DictionaryTrainingOptions { LearningRate = 3e-3f, WarmupSteps = 10, L1 = 1.5f, L0 = 1f, Bandwidth = 0.1f, InitialThreshold = 1f };
        var spec = new DictionaryRunSpec(train, train, 64, activation, 4, 256, 256 * 200, options, "h", "h", "synthetic");
        var dict = DictionaryRun.Train(spec, Path.Combine(dir, $"{activation}.safetensors"));
        var q = DictionaryEvaluation.Measure(dict, heldOut, heldOut);
        Assert.True(q.VarianceExplained > 0.75, $"{activation}: variance explained {q.VarianceExplained:F3}");
        Assert.True(q.MeanL0 < 16, $"{activation}: mean L0 {q.MeanL0:F1} is not sparse (width 16)");
    }

    [Fact]
    public void GeometricMedian_OutlierRow_StaysWithTheBulk()
    {
        float[] x = [0, 0, 1, 0, 0, 1, 1, 1, 100, 100];   // four corners of a unit square and one far outlier
        var median = DictionaryInit.GeometricMedian(x, 5, 2);
        var mean = DictionaryInit.Mean(x, 5, 2);
        Assert.InRange(median[0], 0.4f, 0.8f);
        Assert.Equal(20.4f, mean[0], 3);
    }
}
