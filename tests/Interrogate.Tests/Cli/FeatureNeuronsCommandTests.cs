using System.Text.Json;
using Interrogate.Features;
using Interrogate.Models.Transformer;
using Interrogate.Tests.Features;
using Interrogate.Text;

namespace Interrogate.Tests.Cli;

/// <summary>`--units sae:DIR` on neurons and activations: the two-block tiny model with a dictionary on blocks.0.hook_resid_post.</summary>
public sealed class FeatureNeuronsCommandTests(TinyNeuronsFolder folder) : IClassFixture<TinyNeuronsFolder>
{
    private const string Hook = "blocks.0.hook_resid_post";
    private static readonly string FeatureHookName = FeatureHook.NameOf(Hook);

    private string SaveDictionary()
    {
        var model = TransformerLoader.FromDirectory(folder.Model);
        var tokenizer = TokenizerLoader.FromDirectory(folder.Model);
        var text = File.ReadAllText(Path.Combine(folder.Corpus, "doc0.txt"));
        var ids = tokenizer.Encode(text);
        var windows = Enumerable.Range(0, 8).Select(w => ids[(w * 16)..(w * 16 + 16)]).ToArray();
        var dir = Path.Combine(Directory.CreateTempSubdirectory("feature-neurons").FullName, "sae");
        SaeLensFormat.Save(FeatureKit.Dictionary(model, windows, Hook, Hook, latents: 24, k: 6), dir);
        return dir;
    }

    [Fact]
    public void Neurons_UnitsSae_CandidatesAndNullsAreFeaturesAndSilentFeatureHasEffectZero()
    {
        var dir = SaveDictionary();
        string silent = $"{FeatureHookName}[{FeatureKit.Silent}]";
        var r = CliRunner.Run("neurons", "--model", folder.Model, "--corpus", folder.Corpus, "--data-dir", folder.Cache, "--tokens", "400", "--eval-windows", "4",
            "--random", "4", "--random-sets", "4", "--top", "2", "--ablation", "zero", "--no-explain", "--units", $"sae:{dir}", "--neuron", silent, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        var candidates = root.GetProperty("candidates").EnumerateArray().ToList();
        Assert.All(candidates, c => Assert.Equal(FeatureHookName, c.GetProperty("hook").GetString()));
        Assert.Contains(candidates, c => c.GetProperty("unit").GetString() != silent);
        foreach (var c in candidates.Where(c => c.GetProperty("unit").GetString() == silent))
        {
            var concept = c.GetProperty("effect").GetProperty("concept");
            // Zero up to float rounding: the ablated passes stack copies of the windows, so their sums run in another order than the clean pass.
            foreach (var part in new[] { "value", "low", "high" }) Assert.Equal(0.0, concept.GetProperty(part).GetDouble(), 6);
            Assert.Equal(0.5, c.GetProperty("auc").GetDouble(), 9);
            Assert.Equal("none", c.GetProperty("verdict").GetString());
        }
        Assert.Equal(2, candidates.Count(c => c.GetProperty("unit").GetString() == silent));   // judged in both roles
        foreach (var b in root.GetProperty("random_baseline").EnumerateArray())
        {
            Assert.Equal(FeatureHookName, b.GetProperty("hook").GetString());
            var random = b.GetProperty("random_neurons").EnumerateArray().Select(n => n.GetInt32()).ToList();
            Assert.Equal(4, random.Count);
            Assert.DoesNotContain(FeatureKit.Silent, random);   // the null draws features that fire
        }
    }

    [Fact]
    public void Activations_UnitsSae_RecordsFeaturesAndTopReadsThem()
    {
        var dir = SaveDictionary();
        var store = Path.Combine(Path.GetDirectoryName(dir)!, "store");
        var rec = CliRunner.Run("activations", "record", "--model", folder.Model, "--corpus", Path.Combine(folder.Corpus, "doc1.txt"), "--split", "train",
            "--tokens", "200", "--units", $"sae:{dir}", "--out", store, "--data-dir", folder.Cache, "--json");
        Assert.True(rec.ExitCode == 0, rec.Stderr);
        Assert.Equal(FeatureHookName, JsonDocument.Parse(rec.Stdout).RootElement.GetProperty("hooks")[0].GetProperty("name").GetString());
        var top = CliRunner.Run("activations", "top", "--store", store, "--units", $"sae:{dir}", "--neuron", "0", "--k", "3", "--json");
        Assert.True(top.ExitCode == 0, top.Stderr);
        var root = JsonDocument.Parse(top.Stdout).RootElement;
        Assert.Equal(FeatureHookName, root.GetProperty("hook").GetString());
        var silent = CliRunner.Run("activations", "top", "--store", store, "--units", $"sae:{dir}", "--neuron", $"{FeatureKit.Silent}", "--json");
        Assert.True(silent.ExitCode == 0, silent.Stderr);
        Assert.All(JsonDocument.Parse(silent.Stdout).RootElement.GetProperty("contexts").EnumerateArray(), c => Assert.Equal(0.0, c.GetProperty("value").GetDouble()));
        CliRunner.AssertBadInput(CliRunner.Run("activations", "top", "--store", store, "--neuron", "0"), "--hook");
    }
}
