using System.Text.Json;
using System.Xml.Linq;
using Interrogate.Tests.Cli;
using Microsoft.Data.Sqlite;

namespace Interrogate.Tests.Training.Experiments;

/// <summary>The real CLI on a 400-digit stand-in for MNIST: db, report, resume, and every kind of bad input.</summary>
public sealed class ExperimentCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("experiment-cli").FullName;
    private readonly string cache;

    public ExperimentCliTests() => cache = FakeMnist.WriteCache(Path.Combine(dir, "cache"));

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private const string Spec = """
        { "name": "tiny", "dataset": "mnist", "seeds": [0, 1], "baseline": "relu",
          "base": { "epochs": 1, "hidden_sizes": [16], "batch_size": 50 },
          "settings": { "relu": { "activation": "relu" }, "tanh": { "activation": "tanh", "standardise": "global" } } }
        """;

    private string Write(string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private CliRunner.Result Run(string spec, params string[] extra) =>
        CliRunner.Run(["experiment", "--spec", spec, "--data-dir", cache, .. extra]);

    private static long CountRuns(string db)
    {
        using var c = new SqliteConnection($"Data Source={db};Pooling=False");
        c.Open();
        using var q = c.CreateCommand();
        q.CommandText = "SELECT COUNT(*) FROM runs";
        return (long)q.ExecuteScalar()!;
    }

    [Fact]
    public void Experiment_TwoSettingsTwoSeeds_WritesDbAndReportAndResumes()
    {
        var spec = Write("tiny.json", Spec);
        var first = Run(spec, "--json");
        Assert.True(first.ExitCode == 0, first.Stderr);
        using (var json = JsonDocument.Parse(first.Stdout))
        {
            var root = json.RootElement;
            Assert.Equal(4, root.GetProperty("runs_executed").GetInt32());
            var rows = root.GetProperty("rows");
            Assert.Equal(2, rows.GetArrayLength());
            var tanh = rows[1];
            Assert.Equal(2, tanh.GetProperty("runs").GetInt32());
            double acc = tanh.GetProperty("test_accuracy").GetProperty("value").GetProperty("mean").GetDouble();
            Assert.InRange(acc, 0.2, 1.0);   // a learnable toy: well above chance after one epoch
            Assert.InRange(tanh.GetProperty("test_accuracy").GetProperty("vs_baseline").GetProperty("p").GetDouble(), 0, 1);
        }
        var db = Path.Combine(dir, "tiny.sqlite");
        Assert.Equal(4, CountRuns(db));

        var html = File.ReadAllText(Path.Combine(dir, "tiny.html"));
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
        var svgs = System.Text.RegularExpressions.Regex.Matches(html, "<svg.*?</svg>", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(svgs.Count >= 4);
        foreach (System.Text.RegularExpressions.Match svg in svgs) XDocument.Parse(svg.Value);

        var second = Run(spec, "--json");
        Assert.True(second.ExitCode == 0, second.Stderr);
        using var again = JsonDocument.Parse(second.Stdout);
        Assert.Equal(0, again.RootElement.GetProperty("runs_executed").GetInt32());
        Assert.Equal(4, again.RootElement.GetProperty("runs_reused").GetInt32());
        Assert.Equal(4, CountRuns(db));
    }

    [Fact]
    public void Experiment_ThreeShardsMerged_SummaryEqualsSingleProcess()
    {
        var spec = Write("tiny.json", Spec);
        var whole = Run(spec, "--out", Path.Combine(dir, "whole"), "--json");
        Assert.True(whole.ExitCode == 0, whole.Stderr);
        var parts = Enumerable.Range(0, 3).Select(i => Path.Combine(dir, $"part{i}")).ToList();
        for (int i = 0; i < 3; i++)   // 4 cells in 3 shards: 1, 1 and 2 runs
        {
            var part = Run(spec, "--out", parts[i], "--shard", $"{i}/3", "--json");
            Assert.True(part.ExitCode == 0, part.Stderr);
            using var j = JsonDocument.Parse(part.Stdout);
            Assert.Equal(i == 2 ? 2 : 1, j.RootElement.GetProperty("runs_executed").GetInt32());
            Assert.False(File.Exists(Path.Combine(parts[i], "tiny.html")));
        }
        CliRunner.AssertBadInput(CliRunner.Run(["merge", parts[0], parts[2], "--out", Path.Combine(dir, "merged")]), "shard(s) 1 of 3");
        var merge = CliRunner.Run(["merge", parts[2], parts[0], parts[1], "--out", Path.Combine(dir, "merged"), "--json"]);
        Assert.True(merge.ExitCode == 0, merge.Stderr);
        Assert.Equal(4, CountRuns(Path.Combine(dir, "merged", "tiny.sqlite")));

        var report = Run(spec, "--out", Path.Combine(dir, "merged"), "--json");
        Assert.True(report.ExitCode == 0, report.Stderr);
        using var merged = JsonDocument.Parse(report.Stdout);
        using var single = JsonDocument.Parse(whole.Stdout);
        Assert.Equal(0, merged.RootElement.GetProperty("runs_executed").GetInt32());
        Assert.Equal(4, merged.RootElement.GetProperty("runs_reused").GetInt32());
        Assert.Equal(single.RootElement.GetProperty("rows").GetRawText(), merged.RootElement.GetProperty("rows").GetRawText());
        Assert.True(File.Exists(Path.Combine(dir, "merged", "tiny.html")));
        CliRunner.AssertBadInput(Run(spec, "--db", Path.Combine(parts[0], "tiny.sqlite")), "holds shard 0/3");
    }

    [Fact]
    public void Experiment_DbFromDifferentSpec_ExitsTwoAndRecordsNothing()
    {
        var db = Path.Combine(dir, "shared.sqlite");
        var one = Write("one.json", Spec.Replace("\"epochs\": 1", "\"epochs\": 1, \"data_fraction\": 0.1").Replace("[0, 1]", "[0]"));
        Assert.Equal(0, Run(one, "--db", db).ExitCode);
        var other = Write("other.json", Spec.Replace("[0, 1]", "[5]"));
        CliRunner.AssertBadInput(Run(other, "--db", db), "different spec");
        Assert.Equal(2, CountRuns(db));
    }

    [Fact]
    public void Experiment_UnknownKey_ExitsTwoNamingFileAndKey()
    {
        var spec = Write("bad-key.json", Spec.Replace("\"batch_size\"", "\"batchsize\""));
        CliRunner.AssertBadInput(Run(spec), "base.batchsize");
        Assert.False(File.Exists(Path.Combine(dir, "bad-key.sqlite")));
    }

    [Fact]
    public void Experiment_UnknownValue_ExitsTwoListingValid() =>
        CliRunner.AssertBadInput(Run(Write("bad-value.json", Spec.Replace("\"global\"", "\"zscore\""))), "per_pixel");

    [Fact]
    public void Experiment_NotJson_ExitsTwoNamingFile()
    {
        CliRunner.AssertBadInput(Run(Write("broken.json", "{ \"name\": ")), "broken.json");
        Assert.False(File.Exists(Path.Combine(dir, "broken.sqlite")));
    }

    [Fact]
    public void Experiment_MissingSpec_ExitsTwoNamingFile() =>
        CliRunner.AssertBadInput(Run(Path.Combine(dir, "nope.json")), "nope.json");

    [Fact]
    public void Experiment_NotADatabase_ExitsTwoNamingIt()
    {
        var db = Write("junk.sqlite", "this is not sqlite, just text that is long enough to fill a header........................................");
        CliRunner.AssertBadInput(Run(Write("ok.json", Spec), "--db", db), "junk.sqlite");
    }
}
