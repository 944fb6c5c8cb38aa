using Interrogate.Tests.Cli;

namespace Interrogate.Tests.Demo;

/// <summary>`interrogate demo` refuses bad input with one line and exit code 2, before writing anything.</summary>
public sealed class DemoCommandTests
{
    [Fact]
    public void Demo_MissingModel_OneLineError()
    {
        var r = CliRunner.Run("demo", "--model", "/nonexistent-model-folder", "--out", Path.Combine(Path.GetTempPath(), "unused-demo-out"));
        CliRunner.AssertBadInput(r, "/nonexistent-model-folder");
    }

    [Fact]
    public void Demo_UnknownCorpus_OneLineErrorAndNoOutputFolder()
    {
        var outDir = Path.Combine(Path.GetTempPath(), "interrogate-demo-bad-" + Guid.NewGuid().ToString("N"));
        var r = CliRunner.Run("demo", "--quick", "--corpus", "/no/such/corpus", "--out", outDir);
        CliRunner.AssertBadInput(r, "--corpus");
        Assert.False(Directory.Exists(outDir));
    }
}
