using System.Text.Json;

namespace Interrogate.Tests.Cli;

public sealed class ImportanceCommandTests(TinyGpt2Folder folder) : IClassFixture<TinyGpt2Folder>
{
    private const string Text = "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, " +
        "and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world. ";

    private string Corpus()
    {
        var dir = Path.Combine(folder.Dir, "importance-corpus");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < 4; i++) File.WriteAllText(Path.Combine(dir, $"doc{i}.txt"), string.Concat(Enumerable.Repeat(Text, 2 + i)));
        return dir;
    }

    [Fact]
    public void Importance_ScreenAtp_ListsTheEstimateBesideTheExactMeanAblation()
    {
        var r = CliRunner.Run("importance", "--model", folder.Dir, "--corpus", Corpus(), "--tokens", "32", "--top", "3", "--screen", "atp", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        foreach (var layer in JsonDocument.Parse(r.Stdout).RootElement.GetProperty("layers").EnumerateArray())
        {
            var signals = layer.GetProperty("signals").EnumerateArray().ToDictionary(s => s.GetProperty("signal").GetString()!);
            Assert.Equal(new[] { "magnitude", "wanda", "taylor", "mean_ablation", "atp" }, signals.Keys.ToArray());
            var top = signals["atp"].GetProperty("top").EnumerateArray().Select(u => u.GetProperty("score").GetSingle()).ToList();
            Assert.Equal(3, top.Count);
            Assert.Equal(top.OrderDescending(), top);
            // The exact mean ablation ran only on AtP's shortlist (3·2 at each end of 128), and its listed ends are among them.
            Assert.Equal(12, layer.GetProperty("mean_ablation_measured").GetInt32());
            Assert.InRange(layer.GetProperty("atp_rank_correlation").GetDouble(), -1, 1);
            var exactTop = signals["mean_ablation"].GetProperty("top").EnumerateArray().Select(u => u.GetProperty("score").GetSingle()).ToList();
            Assert.Equal(3, exactTop.Count);
            Assert.All(exactTop, v => Assert.False(float.IsNaN(v)));
        }
        CliRunner.AssertBadInput(CliRunner.Run("importance", "--model", folder.Dir, "--screen", "magic"), "--screen");
    }

    [Fact]
    public void Importance_ScreenFactorOne_MeasuresOnlyTopAtEachEnd()
    {
        var r = CliRunner.Run("importance", "--model", folder.Dir, "--corpus", Corpus(), "--tokens", "32", "--top", "3", "--screen", "atp", "--screen-factor", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        foreach (var layer in JsonDocument.Parse(r.Stdout).RootElement.GetProperty("layers").EnumerateArray())
            Assert.Equal(6, layer.GetProperty("mean_ablation_measured").GetInt32());
        CliRunner.AssertBadInput(CliRunner.Run("importance", "--model", folder.Dir, "--screen", "atp", "--screen-factor", "0.5"), "--screen-factor");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Importance_Gpt2WithHeadsJson_RanksEveryLayerBySignalAndScoresEveryHead()
    {
        var r = CliRunner.Run("importance", "--model", folder.Dir, "--corpus", Corpus(), "--tokens", "32", "--heads", "--top", "3", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal("tokens", root.GetProperty("unit").GetString());
        Assert.Equal(32, root.GetProperty("calibration_rows").GetInt64());
        var layers = root.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(["blocks.0.mlp", "blocks.1.mlp"], layers.Select(l => l.GetProperty("name").GetString()));
        foreach (var layer in layers)
        {
            Assert.Equal(128, layer.GetProperty("width").GetInt32());
            var signals = layer.GetProperty("signals").EnumerateArray().ToList();
            Assert.Equal(["magnitude", "wanda", "taylor", "mean_ablation"], signals.Select(s => s.GetProperty("signal").GetString()));
            foreach (var s in signals)
            {
                var topScores = s.GetProperty("top").EnumerateArray().Select(u => u.GetProperty("score").GetSingle()).ToList();
                var bottomScores = s.GetProperty("bottom").EnumerateArray().Select(u => u.GetProperty("score").GetSingle()).ToList();
                Assert.Equal(3, topScores.Count);
                Assert.Equal(3, bottomScores.Count);
                Assert.Equal(topScores.OrderDescending(), topScores);
                Assert.True(topScores[^1] >= bottomScores[^1]);
            }
        }
        var heads = root.GetProperty("heads").EnumerateArray().ToList();
        Assert.Equal(8, heads.Count);
        Assert.All(heads, h => Assert.True(h.GetProperty("magnitude").GetSingle() > 0));
        Assert.Equal([0, 1, 2, 3], heads.Take(4).Select(h => h.GetProperty("head").GetInt32()));
    }

    [Theory]
    [InlineData("--top", "0", "--top")]
    [InlineData("--tokens", "0", "--tokens")]
    public void Importance_NonPositiveCount_ExitsTwoNamingTheFlag(string flag, string value, string mentions)
    {
        var r = CliRunner.Run("importance", "--model", folder.Dir, flag, value);
        CliRunner.AssertBadInput(r, mentions);
    }

    [Fact]
    public void Importance_MissingModelFolder_ExitsTwoNamingModel()
    {
        var r = CliRunner.Run("importance", "--model", Path.Combine(folder.Dir, "nope"));
        CliRunner.AssertBadInput(r, "--model");
    }
}
