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

    /// <summary>An exact ReLU autoencoder on blocks.0.hook_resid_post (latents ±e_c of d 32) plus latent 64, a duplicate of latent 0.</summary>
    private string PlantedSae()
    {
        var dict = Interrogate.Tests.Subjects.FeatureSubjectTests.PlantedDuplicate(32, 0.5f);
        var dir = Path.Combine(Directory.CreateTempSubdirectory("planted-sae").FullName, "sae");
        Interrogate.Features.SaeLensFormat.Save(dict, dir);
        return dir;
    }

    [Fact]
    public void Prune_SaeUnitsRedundancy_SavesADictionaryWithoutTheRemovedFeatures()
    {
        var outDir = Path.Combine(Directory.CreateTempSubdirectory("pruned-sae").FullName, "small");
        var r = CliRunner.Run("prune", "--model", folder.Dir, "--units", "sae:" + PlantedSae(), "--method", "redundancy", "--target", "0.05",
            "--corpus", Corpus(), "--tokens", "64", "--calibration-tokens", "64", "--out", outDir, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var report = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("report");
        int removed = report.GetProperty("removed").GetInt32();
        Assert.Equal(4, removed);   // ceil(0.05 · 65)
        Assert.Equal(65 - removed, Interrogate.Features.SaeLensFormat.Load(outDir).Latents);
    }

    [Fact]
    public void Prune_SaeUnitsWithMagnitude_SavesTheSmallerDictionary()
    {
        var outDir = Path.Combine(Directory.CreateTempSubdirectory("pruned-sae").FullName, "small");
        var r = CliRunner.Run("prune", "--model", folder.Dir, "--units", "sae:" + PlantedSae(), "--method", "magnitude", "--target", "0.1",
            "--corpus", Corpus(), "--tokens", "64", "--calibration-tokens", "64", "--out", outDir, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var report = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("report");
        Assert.Equal("magnitude", report.GetProperty("method").GetString());
        Assert.Equal(7, report.GetProperty("removed").GetInt32());   // round(0.1 · 65)
        Assert.Equal(58, Interrogate.Features.SaeLensFormat.Load(outDir).Latents);
    }

    [Fact]
    public void Compare_SaeUnitsScreened_RowsForEveryMethodAndTheScreening()
    {
        var r = CliRunner.Run("prune", "compare", "--model", folder.Dir, "--units", "sae:" + PlantedSae(), "--methods", "magnitude,ablation",
            "--screen", "atp", "--fractions", "0.1", "--corpus", Corpus(), "--tokens", "64", "--calibration-tokens", "64", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var json = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal(["magnitude/False", "magnitude/True", "ablation/False", "ablation/True"],
            json.GetProperty("rows").EnumerateArray().Select(x => $"{x.GetProperty("method").GetString()}/{x.GetProperty("refit").GetBoolean()}"));
        Assert.Equal(65, json.GetProperty("screening")[0].GetProperty("units").GetInt32());
    }

    /// <summary>Fewer calibration rows than kept neurons leave the refit underdetermined (its loss came out NaN): refused, naming the flag.</summary>
    [Fact]
    public void Compare_FewerCalibrationRowsThanKeptNeurons_OneLineExit2() =>
        CliRunner.AssertBadInput(CliRunner.Run("prune", "compare", "--model", folder.Dir, "--methods", "magnitude", "--fractions", "0.25",
            "--corpus", Corpus(), "--tokens", "64", "--calibration-tokens", "32", "--json"), "--calibration-tokens");

    [Fact]
    public void Prune_SaeUnitsWithLossBudget_OneLineExit2() =>
        CliRunner.AssertBadInput(CliRunner.Run("prune", "--model", folder.Dir, "--units", "sae:" + PlantedSae(), "--method", "magnitude",
            "--loss-budget", "0.1", "--out", Path.Combine(Directory.CreateTempSubdirectory("pruned-sae").FullName, "x")), "--units");
}
