using System.Text.Json;

namespace Interrogate.Tests.Cli;

/// <summary>`sae eval --control`: a dictionary and its random-weights control on the tiny model, and the gap of every metric.</summary>
public sealed class SaeControlCommandTests(TinyNeuronsFolder folder) : IClassFixture<TinyNeuronsFolder>
{
    private void Train(string outDir, params string[] extra)
    {
        var r = CliRunner.Run(["sae", "train", "--model", folder.Model, "--corpus", folder.Corpus, "--data-dir", folder.Cache, "--hook", "blocks.0.hook_resid_post",
            "--tokens", "512", "--batch", "64", "--latents", "32", "--k", "4", "--warmup", "2", "--held-out-tokens", "256", "--out", outDir, "--json", .. extra]);
        Assert.True(r.ExitCode == 0, r.Stderr);
    }

    [Fact]
    public void Eval_WithControl_JsonGapIsDictionaryMinusControlForEveryMetric()
    {
        var dir = Directory.CreateTempSubdirectory("sae-control").FullName;
        string sae = Path.Combine(dir, "sae"), control = Path.Combine(dir, "control");
        Train(sae);
        Train(control, "--random-weights", "1");
        var r = CliRunner.Run("sae", "eval", "--sae", sae, "--control", control, "--model", folder.Model, "--corpus", folder.Corpus, "--data-dir", folder.Cache,
            "--tokens", "256", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        JsonElement main = root.GetProperty("sae"), ctl = root.GetProperty("control"), gap = root.GetProperty("gap");
        foreach (var name in new[] { "variance_explained", "mean_l0", "dead_fraction", "dense", "loss_recovered_versus_zero", "loss_recovered_versus_mean" })
            Assert.Equal(main.GetProperty(name).GetDouble() - ctl.GetProperty(name).GetDouble(), gap.GetProperty(name).GetDouble(), 9);
        foreach (var (name, field) in new[] { ("loss_clean", "clean"), ("loss_spliced", "spliced"), ("loss_zero_ablated", "zero_ablated"), ("loss_mean_ablated", "mean_ablated") })
            Assert.Equal(main.GetProperty("losses").GetProperty(field).GetDouble() - ctl.GetProperty("losses").GetProperty(field).GetDouble(), gap.GetProperty(name).GetDouble(), 9);
        Assert.NotEqual(0.0, gap.GetProperty("loss_clean").GetDouble());   // the control runs on the re-initialised model
        var bins = gap.GetProperty("density_histogram_counts").EnumerateArray().Select(b => b.GetInt32()).ToList();
        Assert.Equal(main.GetProperty("density_histogram").GetArrayLength(), bins.Count);
        for (int b = 0; b < bins.Count; b++)
            Assert.Equal(main.GetProperty("density_histogram")[b].GetProperty("count").GetInt32() - ctl.GetProperty("density_histogram")[b].GetProperty("count").GetInt32(), bins[b]);
        var text = CliRunner.Run("sae", "eval", "--sae", sae, "--control", control, "--model", folder.Model, "--corpus", folder.Corpus, "--data-dir", folder.Cache, "--tokens", "256");
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Equal(2, text.Stdout.Split('\n').Count(l => l.Contains("gap", StringComparison.Ordinal)));   // the metrics table and the density histogram
    }
}
