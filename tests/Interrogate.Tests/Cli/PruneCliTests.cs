using System.Text.Json;
using Interrogate.Models.Mlp;

namespace Interrogate.Tests.Cli;

/// <summary>A tiny untrained MNIST MLP (784-6-4-10) saved as `train mnist` saves it.</summary>
public sealed class TinyMnistMlpFolder : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("prune-cli").FullName;
    public string Model => Path.Combine(Root, "mlp");

    public TinyMnistMlpFolder() => MlpStore.Save(new MlpClassifier(new MlpConfig { HiddenSizes = [6, 4] }, seed: 4), Model);

    public string Fresh(string name) => Path.Combine(Root, name + Guid.NewGuid().ToString("N")[..6]);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public sealed class PruneCliTests(TinyMnistMlpFolder folder) : IClassFixture<TinyMnistMlpFolder>
{
    private static JsonElement Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    [Theory]
    [InlineData("--target", "1.5", "--target")]
    [InlineData("--target", "0", "--target")]
    [InlineData("--method", "random", "--method")]
    public void Prune_BadValue_OneLineExit2AndNothingWritten(string flag, string value, string mentions)
    {
        var outDir = folder.Fresh("bad");
        string[] args = flag == "--target" ? ["prune", "--model", folder.Model, "--target", value, "--out", outDir]
            : ["prune", "--model", folder.Model, "--target", "0.5", flag, value, "--out", outDir];
        CliRunner.AssertBadInput(CliRunner.Run(args), mentions);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("--schedule", "sometimes", "--schedule")]
    [InlineData("--ramp", "0", "--ramp")]
    [InlineData("--prune-every", "0", "--prune-every")]
    [InlineData("--allocation", "sideways", "--allocation")]
    [InlineData("--validation", "-1", "--validation")]
    [InlineData("--validation", "8000", "--validation")]
    public void Prune_BadGradualOrDataValue_OneLineExit2AndNothingWritten(string flag, string value, string mentions)
    {
        var outDir = folder.Fresh("bad");
        CliRunner.AssertBadInput(CliRunner.Run("prune", "--model", folder.Model, "--unstructured", "--target", "0.5", "--finetune", "3",
            "--schedule", flag == "--schedule" ? value : "gradual", flag, value, "--out", outDir), mentions);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Prune_Shuffle_TunesAcrossAnEpochBoundaryToTheTarget()
    {
        var outDir = folder.Fresh("shuffle");
        var report = Json(CliRunner.Run("prune", "--model", folder.Model, "--unstructured", "--target", "0.5", "--finetune", "130", "--shuffle",
            "--out", outDir, "--json")).GetProperty("report");
        Assert.Equal(130, report.GetProperty("fine_tune_steps").GetInt32());
        Assert.Equal(0.5, report.GetProperty("weight_sparsity").GetDouble(), 3);
    }

    [Fact]
    public void Prune_GradualWithoutUnstructured_Exit2()
    {
        CliRunner.AssertBadInput(CliRunner.Run("prune", "--model", folder.Model, "--target", "0.5", "--finetune", "3", "--schedule", "gradual",
            "--out", folder.Fresh("g")), "--unstructured");
    }

    [Fact]
    public void Prune_GradualLampOnValidation_ReachesTheTargetAndReportsOnTheHeldOutDigits()
    {
        var outDir = folder.Fresh("gradual");
        var report = Json(CliRunner.Run("prune", "--model", folder.Model, "--unstructured", "--target", "0.8", "--finetune", "6",
            "--schedule", "gradual", "--prune-every", "2", "--allocation", "lamp", "--validation", "300", "--out", outDir, "--json")).GetProperty("report");
        Assert.Equal("gradual", report.GetProperty("schedule").GetString());
        Assert.Equal("lamp", report.GetProperty("allocation").GetString());
        Assert.Equal(0.8, report.GetProperty("weight_sparsity").GetDouble(), 3);
        Assert.Equal(300, report.GetProperty("tuned").GetProperty("count").GetInt32());
        var matrices = report.GetProperty("matrices").EnumerateArray().ToList();
        Assert.Equal([784L * 6, 6 * 4, 4 * 10], matrices.Select(m => m.GetProperty("weights").GetInt64()));
        long total = (784 * 6) + (6 * 4) + (4 * 10);
        Assert.Equal(Math.Round(0.2 * total), matrices.Sum(m => m.GetProperty("kept").GetInt64()));
        var saved = MlpStore.Load(outDir);
        long zeros = saved.HiddenLayers.Sum(l => l.Weight.ToArray().LongCount(v => v == 0f)) + saved.Output.Weight.ToArray().LongCount(v => v == 0f);
        Assert.Equal(total - (long)Math.Round(0.2 * total), zeros);
    }

    [Fact]
    public void Prune_OutEqualsModel_RefusedWithoutTouchingTheModel()
    {
        var before = File.ReadAllBytes(Path.Combine(folder.Model, "model.safetensors"));
        CliRunner.AssertBadInput(CliRunner.Run("prune", "--model", folder.Model, "--target", "0.5", "--out", folder.Model + "/"), "--out");
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(folder.Model, "model.safetensors")));
    }

    [Fact]
    public void Prune_TargetThatEmptiesALayer_Exit2NamingTheLayer()
    {
        var outDir = folder.Fresh("empty");
        CliRunner.AssertBadInput(CliRunner.Run("prune", "--model", folder.Model, "--target", "0.95", "--out", outDir), "layers.0");
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Prune_UnstructuredWithNeuronMethod_Exit2()
    {
        CliRunner.AssertBadInput(CliRunner.Run("prune", "--model", folder.Model, "--target", "0.5", "--unstructured", "--method", "taylor",
            "--out", folder.Fresh("u")), "--unstructured");
    }

    [Fact]
    public void Prune_HalfTheNeurons_SavesASmallerClassifierThatEvalLoads()
    {
        var outDir = folder.Fresh("half");
        var report = Json(CliRunner.Run("prune", "--model", folder.Model, "--method", "ablation", "--target", "0.5", "--finetune", "5",
            "--out", outDir, "--json")).GetProperty("report");
        Assert.Equal([3, 2], report.GetProperty("widths_after").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal((784 + 1) * 3 + (3 + 1) * 2 + (2 + 1) * 10, report.GetProperty("parameters_after").GetInt64());
        Assert.Equal(report.GetProperty("pruned").GetProperty("loss").GetDouble(),
            report.GetProperty("original_with_removed_ablated").GetProperty("loss").GetDouble(), 4);
        var tuned = report.GetProperty("tuned").GetProperty("accuracy").GetDouble();
        var eval = Json(CliRunner.Run("eval", "mnist", "--model", outDir, "--json"));
        Assert.Equal(tuned, eval.GetProperty("test_accuracy").GetDouble(), 6);
        Assert.Equal([3, 2], MlpStore.Load(outDir).Config.HiddenSizes);
    }

    [Fact]
    public void Prune_UnstructuredMagnitude_ReportsSparsityAndSavesZeros()
    {
        var outDir = folder.Fresh("sparse");
        var report = Json(CliRunner.Run("prune", "--model", folder.Model, "--unstructured", "--target", "0.8", "--finetune", "4",
            "--out", outDir, "--json")).GetProperty("report");
        Assert.Equal(0.8, report.GetProperty("weight_sparsity").GetDouble(), 3);
        var weights = MlpStore.Load(outDir).HiddenLayers[0].Weight.ToArray();
        Assert.InRange(weights.Count(v => v == 0) / (double)weights.Length, 0.75, 1.0);
    }

    [Fact]
    public void Compare_TwoMethods_WritesJsonRowsWithAndWithoutRefitAndAnSvgReport()
    {
        var report = Path.Combine(folder.Root, "compare.html");
        var json = Json(CliRunner.Run("prune", "compare", "--model", folder.Model, "--methods", "magnitude,taylor", "--fractions", "0.25,0.5",
            "--json", "--report", report));
        var rows = json.GetProperty("rows").EnumerateArray().ToList();
        // Every method at every fraction, once with means folded into the bias and once refitted.
        Assert.Equal(["magnitude/False/0.25", "magnitude/False/0.5", "magnitude/True/0.25", "magnitude/True/0.5",
            "taylor/False/0.25", "taylor/False/0.5", "taylor/True/0.25", "taylor/True/0.5"],
            rows.Select(r => $"{r.GetProperty("method").GetString()}/{r.GetProperty("refit").GetBoolean()}/{r.GetProperty("fraction").GetDouble()}"));
        Assert.All(rows, r => Assert.InRange(r.GetProperty("accuracy").GetDouble(), 0, 1));
        Assert.StartsWith("calibration:", json.GetProperty("chosen_on").GetString());
        Assert.Equal(2, json.GetProperty("choice_and_refit").GetArrayLength());   // taylor against magnitude at each fraction
        var html = File.ReadAllText(report);
        Assert.Contains("<svg", html);
        Assert.Contains("taylor + refit", html);
        Assert.Contains("choosing by taylor instead of magnitude", html);
    }

    [Fact]
    public void Prune_LossBudget_JsonNamesTheSearchedAndTheReportedData()
    {
        var report = Json(CliRunner.Run("prune", "--model", folder.Model, "--loss-budget", "0.01", "--out", folder.Fresh("budget"), "--json")).GetProperty("report");
        Assert.Equal("calibration: the first 2,000 training digits", report.GetProperty("searched_on").GetString());
        Assert.Equal("evaluation: 2,000 test digits", report.GetProperty("reported_on").GetString());
        Assert.All(report.GetProperty("budget_search").EnumerateArray(), p =>
            Assert.Equal(p.GetProperty("within_budget").GetBoolean(), p.GetProperty("delta_loss").GetDouble() <= 0.01));
    }

    [Fact]
    public void Compare_BadFraction_Exit2()
    {
        CliRunner.AssertBadInput(CliRunner.Run("prune", "compare", "--model", folder.Model, "--fractions", "0.5,1.2"), "--fractions");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Compare_ThreeShardsMergedInShuffledOrder_PrintsWhatOneProcessPrints()
    {
        string[] sweep = ["prune", "compare", "--model", folder.Model, "--methods", "magnitude,ablation,taylor", "--screen", "atp", "--fractions", "0.25,0.5", "--json"];
        var whole = CliRunner.Run(sweep);
        Assert.True(whole.ExitCode == 0, whole.Stderr);
        var parts = Enumerable.Range(0, 3).Select(i => folder.Fresh($"part{i}")).ToArray();
        for (int i = 0; i < 3; i++)
        {
            var r = CliRunner.Run([.. sweep, "--shard", $"{i}/3", "--out", parts[i]]);
            Assert.True(r.ExitCode == 0, r.Stderr);
        }
        var merged = folder.Fresh("merged");
        var m = CliRunner.Run("merge", parts[1], parts[2], parts[0], "--out", merged);
        Assert.True(m.ExitCode == 0, m.Stderr);
        var fromMerge = CliRunner.Run([.. sweep, "--out", merged]);
        Assert.True(fromMerge.ExitCode == 0, fromMerge.Stderr);
        Assert.Equal(whole.Stdout, fromMerge.Stdout);
        Assert.Contains("\"screening\"", whole.Stdout);
    }

    [Theory]
    [InlineData("--shard", "0/2", "--out")]
    [InlineData("--screen", "sometimes", "--screen")]
    public void Compare_BadShardOrScreen_Exit2(string flag, string value, string mentions) =>
        CliRunner.AssertBadInput(CliRunner.Run("prune", "compare", "--model", folder.Model, "--fractions", "0.5", flag, value), mentions);

    [Fact]
    public void Prune_ScreenWithMagnitude_Exit2() =>
        CliRunner.AssertBadInput(CliRunner.Run("prune", "--model", folder.Model, "--target", "0.5", "--screen", "atp", "--out", folder.Fresh("bad")), "--screen");
}
