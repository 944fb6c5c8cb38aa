using System.Text.Json;
using Interrogate.Formats;
using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Models;
using Interrogate.Tests.Models.Parity;
using Xunit.Abstractions;

namespace Interrogate.Tests.Cli;

/// <summary>
/// `prune` writes a folder any loader accepts: layers pruned to different widths are padded back to one
/// width with dead units; `--per-layer-widths` keeps the smaller Interrogate-only layout.
/// </summary>
public sealed class PruneStandardLayoutCliTests(TinyGpt2Folder folder, ITestOutputHelper output) : IClassFixture<TinyGpt2Folder>
{
    private const string Text = "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, " +
        "and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world. ";

    [RequiresTorchFact]
    [Trait("Category", "Parity")]
    [Trait("Category", "Slow")]
    public void Prune_DifferentWidthsPerLayer_ReferenceLoaderGetsPrunedLogitsFromDefaultOutput()
    {
        using var dir = new TempDir();
        var corpus = Directory.CreateDirectory(dir.File("corpus")).FullName;
        for (int i = 0; i < 4; i++) File.WriteAllText(Path.Combine(corpus, $"doc{i}.txt"), string.Concat(Enumerable.Repeat(Text, 2 + i)));
        string[] Prune(string outDir, params string[] extra) =>
            ["prune", "--model", folder.Dir, "--method", "redundancy", "--target", "0.3", "--corpus", corpus,
             "--tokens", "64", "--calibration-tokens", "64", "--out", outDir, "--json", .. extra];
        var padded = dir.File("padded");
        var small = dir.File("small");
        var r = CliRunner.Run(Prune(padded));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var widths = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("report").GetProperty("widths_after").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.True(widths.Distinct().Count() > 1, $"the test needs layers of different widths; got [{string.Join(", ", widths)}]");
        var r2 = CliRunner.Run(Prune(small, "--per-layer-widths"));
        Assert.True(r2.ExitCode == 0, r2.Stderr);

        // Standard layout: no Interrogate key, and every layer's weights as wide as the config says.
        var config = File.ReadAllText(Path.Combine(padded, "config.json"));
        Assert.DoesNotContain("n_inner_per_layer", config);
        Assert.Contains($"\"n_inner\": {widths.Max()}", config);
        using (var weights = SafetensorsFile.Open(Path.Combine(padded, "model.safetensors")))
            for (int l = 0; l < widths.Length; l++) Assert.Equal([32, widths.Max()], weights.GetInfo(weights.Names.Single(n => n.EndsWith($"h.{l}.mlp.c_fc.weight", StringComparison.Ordinal))).Shape);
        Assert.Contains("n_inner_per_layer", File.ReadAllText(Path.Combine(small, "config.json")));
        Assert.True(new FileInfo(Path.Combine(small, "model.safetensors")).Length < new FileInfo(Path.Combine(padded, "model.safetensors")).Length);

        // The independent reference reads the padded files; the pruned model itself is the per-layer folder.
        var pruned = TransformerLoader.FromDirectory(small);
        Assert.Equal(widths, pruned.Dimensions.MlpWidths);
        int[][] rows = [ModelKit.RandomIds(10, pruned.Dimensions.VocabSize, 3), ModelKit.RandomIds(10, pruned.Dimensions.VocabSize, 4)];
        float[] ours;
        using (GradientTape.NoGrad()) ours = pruned.Forward(new TokenBatch([.. rows[0], .. rows[1]], 2, 10)).ToArray();
        var reference = TorchReference.Run(padded, rows, "blocks.1.hook_resid_pre", dir.Path).Logits;
        double relative = ModelKit.MaxAbsDiff(ours, reference) / ModelKit.MaxAbs(reference);
        output.WriteLine($"widths [{string.Join(", ", widths)}]: reference on the padded files vs the pruned model, max|Δ|/max|logit| = {relative:E2}");
        Assert.True(relative <= 1e-4, $"relative difference {relative:E2}");
    }
}
