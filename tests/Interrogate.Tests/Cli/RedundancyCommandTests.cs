using System.Text.Json;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Mlp;
using Interrogate.Models.Transformer;
using Interrogate.Tests.Analysis.Redundancy;

namespace Interrogate.Tests.Cli;

public sealed class RedundancyCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("redundancy-cli").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static JsonElement Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    private static int[] Ints(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetInt32())];

    /// <summary>A tiny GPT-2 (a 260-token byte-level tokenizer) whose block-0 neuron 9 duplicates neuron 2.</summary>
    private string TinyGpt()
    {
        var model = new Gpt2Model(new Gpt2Config { VocabSize = 260, DModel = 16, Layers = 2, Heads = 2, ContextLength = 32, Inner = 24 }, seed: 3);
        var mlp = (DenseMlp)model.Blocks[0].Mlp;
        mlp.In.Weight.Span.Slice(2 * 16, 16).CopyTo(mlp.In.Weight.Span.Slice(9 * 16, 16));
        mlp.In.Bias!.Span[9] = mlp.In.Bias.Span[2];
        var folder = Path.Combine(dir, "gpt");
        model.Save(folder);
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), Interrogate.Tests.Text.TokenizerJsonFixtures.ByteLevel());
        return folder;
    }

    private string Text()
    {
        var path = Path.Combine(dir, "corpus.txt");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog while the band plays on. ", 60)));
        return path;
    }

    [Fact]
    public void Redundancy_TinyGptWithDuplicate_JsonReportsTheMergeAndLeavesFilesAlone()
    {
        var model = TinyGpt();
        var before = File.ReadAllBytes(Path.Combine(model, "model.safetensors"));

        var json = Json(CliRunner.Run("redundancy", "--model", model, "--corpus", Text(), "--tokens", "600", "--eval-tokens", "64",
            "--min-r2", "0.999", "--data-dir", Path.Combine(dir, "cache"), "--json"));

        var merge = json.GetProperty("merges").EnumerateArray().Single(m => m.GetProperty("layer").GetInt32() == 0
            && Ints(m.GetProperty("removed")).Concat(Ints(m.GetProperty("kept"))).Order().SequenceEqual([2, 9]));
        Assert.True(merge.GetProperty("r2").GetDouble() > 0.99999);
        Assert.True(Math.Abs(merge.GetProperty("delta_loss").GetDouble()) < 1e-5);
        Assert.Equal(2, merge.GetProperty("single_ablation").GetArrayLength());
        Assert.True(merge.TryGetProperty("joint_ablation", out _));
        Assert.True(merge.GetProperty("bound").GetDouble() < 1e-3);
        Assert.Equal(2, json.GetProperty("layers").GetArrayLength());
        Assert.Equal(480, json.GetProperty("fit_rows").GetInt64());
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(model, "model.safetensors")));
    }

    [Fact]
    public void Redundancy_MnistMlpWithScaledCopy_FindsItOnDigits()
    {
        var model = RedundancyKit.Mlp(784, [12], 10, seed: 4);
        RedundancyKit.Copy(model, 0, source: 3, copy: 8, scale: 2f);
        var folder = Path.Combine(dir, "mlp");
        MlpStore.Save(model, folder);

        var json = Json(CliRunner.Run("redundancy", "--model", folder, "--min-r2", "0.999", "--max-set", "1", "--json"));

        Assert.Equal("mlp", json.GetProperty("kind").GetString());
        Assert.Equal(6000, json.GetProperty("fit_rows").GetInt64());
        var merge = json.GetProperty("merges").EnumerateArray().Single(m =>
            Ints(m.GetProperty("removed")).Concat(Ints(m.GetProperty("kept"))).Order().SequenceEqual([3, 8]));
        Assert.Equal("pair", merge.GetProperty("kind").GetString());
        Assert.True(json.TryGetProperty("accuracy_after", out _));
    }

    [Theory]
    [InlineData("0", "--min-r2")]
    [InlineData("1.5", "--min-r2")]
    public void Redundancy_MinR2OutOfRange_OneLineExit2(string value, string mentions) =>
        CliRunner.AssertBadInput(CliRunner.Run("redundancy", "--model", dir, "--min-r2", value), mentions);

    [Fact]
    public void Redundancy_MissingModel_OneLineExit2() =>
        CliRunner.AssertBadInput(CliRunner.Run("redundancy", "--model", Path.Combine(dir, "nope")), "nope");

    [Fact]
    public void Redundancy_DefaultFromEnvironmentMissing_OneLineExit2() =>
        CliRunner.AssertBadInput(CliRunner.Run(new Dictionary<string, string> { ["INTERROGATE_MODEL"] = Path.Combine(dir, "gone") }, "redundancy"), "gone");

    [Fact]
    public void Redundancy_UnknownCorpus_OneLineExit2() =>
        CliRunner.AssertBadInput(CliRunner.Run("redundancy", "--model", TinyGpt(), "--corpus", "no-such-corpus"), "--corpus");

    /// <summary>An exact ReLU autoencoder on blocks.0.hook_resid_post of the tiny GPT (latents ±e_c) plus latent 32, a duplicate of latent 0 sharing its decoder column.</summary>
    private string PlantedSae()
    {
        var dict = Interrogate.Tests.Subjects.FeatureSubjectTests.PlantedDuplicate(16, 0.4f);
        var folder = Path.Combine(dir, "sae");
        Interrogate.Features.SaeLensFormat.Save(dict, folder);
        return folder;
    }

    [Fact]
    public void Redundancy_SaeUnitsWithPlantedDuplicate_FoldsItAndWritesASmallerDictionary()
    {
        var small = Path.Combine(dir, "small");
        var json = Json(CliRunner.Run("redundancy", "--model", TinyGpt(), "--corpus", Text(), "--tokens", "600", "--eval-tokens", "64",
            "--min-r2", "0.999", "--units", "sae:" + PlantedSae(), "--out", small, "--data-dir", Path.Combine(dir, "cache"), "--json"));

        var merge = json.GetProperty("merges").EnumerateArray().Single(m =>
            Ints(m.GetProperty("removed")).Concat(Ints(m.GetProperty("kept"))).Order().SequenceEqual([0, 32]));
        Assert.True(merge.GetProperty("r2").GetDouble() > 0.99999);
        Assert.True(Math.Abs(json.GetProperty("loss_after").GetDouble() - json.GetProperty("loss_before").GetDouble()) < 1e-5);
        var saved = Interrogate.Features.SaeLensFormat.Load(small);
        Assert.Equal(33 - json.GetProperty("removed").GetInt32(), saved.Latents);
        Assert.Equal(Path.GetFullPath(small), json.GetProperty("saved_to").GetString());
    }

    [Fact]
    public void Redundancy_TranscoderUnitsOnAnAutoencoder_OneLineExit2() =>
        CliRunner.AssertBadInput(CliRunner.Run("redundancy", "--model", TinyGpt(), "--units", "transcoder:" + PlantedSae()), "--units");

    [Fact]
    public void Redundancy_OutWithoutFeatureUnits_OneLineExit2() =>
        CliRunner.AssertBadInput(CliRunner.Run("redundancy", "--model", dir, "--out", dir), "--out");
}
