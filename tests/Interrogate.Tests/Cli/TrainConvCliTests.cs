using System.Text.Json;
using Interrogate.Tests.Training.Experiments;

namespace Interrogate.Tests.Cli;

/// <summary>`train mnist --model conv` and `eval mnist` on the 400-digit stand-in for MNIST.</summary>
public sealed class TrainConvCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("train-conv").FullName;
    private readonly string cache;

    public TrainConvCliTests() => cache = FakeMnist.WriteCache(Path.Combine(dir, "cache"));

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void TrainConv_SavesConvFolderThatEvalReloadsWithSameAccuracy()
    {
        var outDir = Path.Combine(dir, "model");
        var train = CliRunner.Run("train", "mnist", "--model", "conv", "--channels", "4,6", "--epochs", "2", "--batch-size", "40",
            "--lr", "0.003", "--data-dir", cache, "--out", outDir, "--json");
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains("\"interrogate-conv\"", File.ReadAllText(Path.Combine(outDir, "config.json")));
        Assert.Contains("\"hidden_sizes\": [\n    128\n  ]", File.ReadAllText(Path.Combine(outDir, "config.json")).Replace("\r", ""));
        var eval = CliRunner.Run("eval", "mnist", "--model", outDir, "--data-dir", cache, "--json");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        using var trained = JsonDocument.Parse(train.Stdout);
        using var evaluated = JsonDocument.Parse(eval.Stdout);
        double accuracy = trained.RootElement.GetProperty("test_accuracy").GetDouble();
        Assert.InRange(accuracy, 0.5, 1.0);   // bars on rows: easy for two conv stages
        Assert.Equal(accuracy, evaluated.RootElement.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(trained.RootElement.GetProperty("parameters").GetInt64(), evaluated.RootElement.GetProperty("parameters").GetInt64());
    }

    [Fact]
    public void Train_UnknownModel_ExitsTwoNamingFlag() =>
        CliRunner.AssertBadInput(CliRunner.Run("train", "mnist", "--model", "transformer", "--data-dir", cache), "--model");

    [Theory]
    [InlineData("16,x")]
    [InlineData("0")]
    public void TrainConv_BadChannels_ExitsTwoNamingFlag(string channels) =>
        CliRunner.AssertBadInput(CliRunner.Run("train", "mnist", "--model", "conv", "--channels", channels, "--data-dir", cache), "--channels");

    [Fact]
    public void TrainConv_TooManyStagesForImage_ExitsTwoNamingFlag() =>
        CliRunner.AssertBadInput(CliRunner.Run("train", "mnist", "--model", "conv", "--channels", "2,2,2,2,2", "--data-dir", cache), "--channels");

    [Fact]
    public void Eval_UnknownModelType_ExitsTwoNamingConfig()
    {
        Directory.CreateDirectory(Path.Combine(dir, "odd"));
        File.WriteAllText(Path.Combine(dir, "odd", "config.json"), "{ \"model_type\": \"gpt2\" }");
        var r = CliRunner.Run("eval", "mnist", "--model", Path.Combine(dir, "odd"), "--data-dir", cache);
        CliRunner.AssertBadInput(r, "config.json");
        Assert.Contains("interrogate-conv", r.Stderr);
    }

    [Fact]
    public void Experiment_OutFolder_HoldsDatabaseAndReport()
    {
        var spec = Path.Combine(dir, "tiny.json");
        File.WriteAllText(spec, """
            { "name": "tiny", "dataset": "mnist", "seeds": [0], "baseline": "a",
              "base": { "epochs": 1, "hidden_sizes": [8], "batch_size": 100 }, "settings": { "a": {} } }
            """);
        var outDir = Path.Combine(dir, "results", "nested");
        var r = CliRunner.Run("experiment", "--spec", spec, "--out", outDir, "--data-dir", cache);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.True(File.Exists(Path.Combine(outDir, "tiny.sqlite")));
        Assert.True(File.Exists(Path.Combine(outDir, "tiny.html")));
        Assert.False(File.Exists(Path.Combine(dir, "tiny.sqlite")));
    }
}
