using System.Text.Json;

namespace Interrogate.Tests.Cli;

public sealed class PruneLanguageModelCliTests(TinyGpt2Folder folder) : IClassFixture<TinyGpt2Folder>
{
    private const string Text = "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, " +
        "and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world. ";

    private string Corpus()
    {
        var dir = Path.Combine(folder.Dir, "corpus");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < 4; i++) File.WriteAllText(Path.Combine(dir, $"doc{i}.txt"), string.Concat(Enumerable.Repeat(Text, 2 + i)));
        return dir;
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Prune_Gpt2QuarterOfNeuronsWithDistillation_SavesAFolderThatLossLoads()
    {
        // Beside the model, not inside it: an output inside an input folder is refused.
        var outDir = Path.Combine(Directory.CreateTempSubdirectory("pruned-gpt2").FullName, "pruned");
        var r = CliRunner.Run("prune", "--model", folder.Dir, "--method", "magnitude", "--target", "0.25", "--corpus", Corpus(),
            "--tokens", "64", "--calibration-tokens", "32", "--finetune", "2", "--distill", "--out", outDir, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var report = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("report");
        Assert.Equal([96, 96], report.GetProperty("widths_after").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(report.GetProperty("distilled").GetBoolean());
        Assert.Contains("\"n_inner\": 96", File.ReadAllText(Path.Combine(outDir, "config.json")));
        Assert.True(File.Exists(Path.Combine(outDir, "vocab.json")));
        var text = folder.WriteText("prune-loss.txt", Text);
        var loss = CliRunner.Run("loss", "--model", outDir, "--text", text, "--json");
        Assert.True(loss.ExitCode == 0, loss.Stderr);
        Directory.Delete(Path.GetDirectoryName(outDir)!, recursive: true);
    }
}
