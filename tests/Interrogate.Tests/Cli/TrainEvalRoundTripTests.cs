using System.Text.Json;

namespace Interrogate.Tests.Cli;

public sealed class TrainEvalRoundTripTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("train-eval").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void TrainThenEval_OneEpoch_SameTestAccuracyAndLoss()
    {
        var outDir = Path.Combine(dir, "model");
        var train = CliRunner.Run("train", "mnist", "--epochs", "1", "--hidden", "64", "--out", outDir, "--json");
        Assert.True(train.ExitCode == 0, train.Stderr);
        var trained = JsonDocument.Parse(train.Stdout).RootElement;
        Assert.True(File.Exists(Path.Combine(outDir, "model.safetensors")));
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories));

        var eval = CliRunner.Run("eval", "mnist", "--model", outDir, "--json");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        var evaluated = JsonDocument.Parse(eval.Stdout).RootElement;
        Assert.Equal(trained.GetProperty("test_accuracy").GetDouble(), evaluated.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(trained.GetProperty("test_loss").GetDouble(), evaluated.GetProperty("test_loss").GetDouble(), 6);
        // One epoch of a small MLP already separates digits far above chance.
        Assert.InRange(trained.GetProperty("test_accuracy").GetDouble(), 0.85, 1.0);
    }
}
