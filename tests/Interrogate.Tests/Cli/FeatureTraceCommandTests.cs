using System.Text.Json;
using Interrogate.Features;
using Interrogate.Models.Transformer;
using Interrogate.Tests.Features;
using Interrogate.Text;

namespace Interrogate.Tests.Cli;

/// <summary>`trace --units`: the dictionary's hook split into features, in text and JSON, and one-line errors for a dictionary that does not fit.</summary>
public sealed class FeatureTraceCommandTests(TinyNeuronsFolder folder) : IClassFixture<TinyNeuronsFolder>
{
    private const string Text = "The whale was white and the sea was wide";

    private string SaveDictionary(string hookIn, string hookOut, Func<SparseDictionary, SparseDictionary>? change = null)
    {
        var model = TransformerLoader.FromDirectory(folder.Model);
        var ids = TokenizerLoader.FromDirectory(folder.Model).Encode(File.ReadAllText(Path.Combine(folder.Corpus, "doc0.txt")));
        var windows = Enumerable.Range(0, 8).Select(w => ids[(w * 16)..(w * 16 + 16)]).ToArray();
        var dir = Path.Combine(Directory.CreateTempSubdirectory("feature-trace").FullName, "dict");
        var d = FeatureKit.Dictionary(model, windows, hookIn, hookOut, latents: 24, k: 6);
        SaeLensFormat.Save(change?.Invoke(d) ?? d, dir);
        return dir;
    }

    [Fact]
    public void Trace_UnitsSae_JsonPartsSumToLogitAndTextShowsFeatures()
    {
        var dir = SaveDictionary("blocks.0.hook_resid_post", "blocks.0.hook_resid_post");
        var r = CliRunner.Run("trace", "--model", folder.Model, "--text", Text, "--units", $"sae:{dir}", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        var f = root.GetProperty("features");
        Assert.Equal(root.GetProperty("logit").GetDouble(), f.GetProperty("components_sum").GetDouble(), 3);
        var active = f.GetProperty("active").EnumerateArray().ToList();
        Assert.InRange(active.Count, 1, 6);
        double parts = active.Sum(a => a.GetProperty("direct_logit").GetDouble()) + f.GetProperty("decoder_bias_direct_logit").GetDouble()
            + f.GetProperty("error_direct_logit").GetDouble();
        Assert.Equal(f.GetProperty("hook_direct_logit").GetDouble(), parts, 6);
        Assert.All(active, a => Assert.StartsWith("blocks.0.hook_resid_post.hook_sae_acts_post[", a.GetProperty("unit").GetString()));

        var text = CliRunner.Run("trace", "--model", folder.Model, "--text", Text, "--units", $"sae:{dir}");
        Assert.True(text.ExitCode == 0, text.Stderr);
        // Single words: the console wraps long lines wherever its width falls.
        foreach (var word in new[] { "reconstruction", "activation", "parts" }) Assert.Contains(word, text.Stdout);
    }

    [Fact]
    public void Trace_UnitsTranscoder_PartsSumToLogit()
    {
        var dir = SaveDictionary("blocks.1.ln2.hook_normalized", "blocks.1.hook_mlp_out");
        var r = CliRunner.Run("trace", "--model", folder.Model, "--text", Text, "--units", $"transcoder:{dir}", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal(root.GetProperty("logit").GetDouble(), root.GetProperty("features").GetProperty("components_sum").GetDouble(), 3);
    }

    [Fact]
    public void Trace_UnitsHookNotInModel_ExitsTwo()
    {
        var dir = SaveDictionary("blocks.0.hook_resid_post", "blocks.0.hook_resid_post", d => { d.HookIn = d.HookOut = "blocks.7.hook_resid_post"; return d; });
        CliRunner.AssertBadInput(CliRunner.Run("trace", "--model", folder.Model, "--text", Text, "--units", $"sae:{dir}"), "blocks.7.hook_resid_post");
    }

    [Fact]
    public void Trace_UnitsWidthMismatch_ExitsTwo()
    {
        // The same dictionary declared on the MLP's activations, which are wider than the residual stream.
        var dir = SaveDictionary("blocks.0.hook_resid_post", "blocks.0.hook_resid_post", d => { d.HookIn = d.HookOut = "blocks.0.mlp.hook_post"; return d; });
        CliRunner.AssertBadInput(CliRunner.Run("trace", "--model", folder.Model, "--text", Text, "--units", $"sae:{dir}"), "width");
    }

    [Fact]
    public void Trace_UnitsOnMlpPost_ExitsTwoNamingTheHook()
    {
        var dir = SaveDictionary("blocks.0.mlp.hook_post", "blocks.0.mlp.hook_post");
        CliRunner.AssertBadInput(CliRunner.Run("trace", "--model", folder.Model, "--text", Text, "--units", $"sae:{dir}"), "blocks.0.mlp.hook_post");
    }
}
