using System.Text.Json;
using Interrogate.Features;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Features;
using Interrogate.Text;

namespace Interrogate.Tests.Cli;

/// <summary>`--units sae:DIR` on patch and attribute: the one-block tiny model with a dictionary on its last residual stream.</summary>
public sealed class FeatureUnitsCommandTests(TinyPatchFolder folder) : IClassFixture<TinyPatchFolder>
{
    private const string Clean = "The House will vote", Corrupted = "The Senate will vote", Hook = "blocks.0.hook_resid_post";
    private static readonly string FeatureHookName = FeatureHook.NameOf(Hook);

    /// <summary>A dictionary on blocks.0.hook_resid_post saved in the SAELens layout beside the model, and the model and tokenizer.</summary>
    private (string Dir, SparseDictionary Dictionary, CausalLanguageModel Model, ITokenizer Tokenizer) Setup()
    {
        var model = TransformerLoader.FromDirectory(folder.Dir);
        var tokenizer = TokenizerLoader.FromDirectory(folder.Dir);
        var dictionary = FeatureKit.Dictionary(model, [tokenizer.Encode(Clean), tokenizer.Encode(Corrupted), tokenizer.Encode("We will vote on the tax")], Hook, Hook, latents: 24, k: 6);
        var dir = Path.Combine(Directory.CreateTempSubdirectory("feature-units").FullName, "sae");
        SaeLensFormat.Save(dictionary, dir);
        return (dir, dictionary, model, tokenizer);
    }

    private static JsonElement Run(params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    /// <summary>log p(" on") at the last position of the corrupted prompt with <paramref name="features"/> patched from the clean run by the library.</summary>
    private static double LibraryPatch(CausalLanguageModel model, ITokenizer tokenizer, SparseDictionary dictionary, int[] features)
    {
        using var _ = GradientTape.NoGrad();
        var units = new FeatureUnits(dictionary);
        float[] source;
        using (var cache = new HookScope().Cache(Hook))
        {
            model.Forward(tokenizer.Encode(Clean));
            source = units.Activations(cache.Cached[Hook]);
        }
        int[] ids = tokenizer.Encode(Corrupted);
        using var scope = units.Patch(new HookScope(), features, source);
        var logits = model.Forward(ids).ContiguousData();   // [1, T, V]
        int v = logits.Shape[2];
        var row = logits.Span.Slice((ids.Length - 1) * v, v);
        return row[tokenizer.Encode(" on")[0]] - Interrogate.Analysis.Ablation.TokenLosses.LogSumExp(row);
    }

    /// <summary>The two features whose activations differ most between the clean and the corrupted prompt.</summary>
    private static (int, int) MostChanged(CausalLanguageModel model, ITokenizer tokenizer, SparseDictionary dictionary)
    {
        using var _ = GradientTape.NoGrad();
        var units = new FeatureUnits(dictionary);
        float[] Acts(string text)
        {
            using var cache = new HookScope().Cache(Hook);
            model.Forward(tokenizer.Encode(text));
            return units.Activations(cache.Cached[Hook]);
        }
        float[] clean = Acts(Clean), corrupted = Acts(Corrupted);
        int m = dictionary.Latents;
        var order = Enumerable.Range(0, m).OrderByDescending(f => Enumerable.Range(0, clean.Length / m).Max(i => Math.Abs(clean[i * m + f] - corrupted[i * m + f]))).ToArray();
        return (order[0], order[1]);
    }

    [Fact]
    public void Patch_UnitsSae_EachFeatureEqualsTheLibraryPatchAndSilentFeatureChangesNothing()
    {
        var (dir, dictionary, model, tokenizer) = Setup();
        var (a, b) = MostChanged(model, tokenizer, dictionary);
        var root = Run("patch", "--model", folder.Dir, "--clean", Clean, "--corrupted", Corrupted, "--target", " on", "--units", $"sae:{dir}",
            "--neuron", $"0.{a}", "--neuron", $"0.{b}", "--neuron", $"0.{FeatureKit.Silent}", "--json");
        var sets = root.GetProperty("sets").EnumerateArray().ToList();
        Assert.Equal(4, sets.Count);   // three alone and all together
        Assert.All(sets.Take(3), s => Assert.Equal(FeatureHookName, s.GetProperty("hook").GetString()));
        Assert.Equal(LibraryPatch(model, tokenizer, dictionary, [a]), sets[0].GetProperty("score").GetDouble(), 4);
        Assert.Equal(LibraryPatch(model, tokenizer, dictionary, [b]), sets[1].GetProperty("score").GetDouble(), 4);
        Assert.Equal(LibraryPatch(model, tokenizer, dictionary, [a, b, FeatureKit.Silent]), sets[3].GetProperty("score").GetDouble(), 4);
        Assert.Equal(root.GetProperty("corrupted_score").GetDouble(), sets[2].GetProperty("score").GetDouble(), 6);   // never fires: no effect
        Assert.NotEqual(root.GetProperty("corrupted_score").GetDouble(), sets[3].GetProperty("score").GetDouble(), 4);
    }

    [Fact]
    public void Attribute_UnitsSaeIntegratedGradients_CompleteOverFeaturesAndSilentFeatureIsZero()
    {
        var (dir, _, _, _) = Setup();
        var root = Run("attribute", "--model", folder.Dir, "--text", Clean, "--target", " on", "--units", $"sae:{dir}", "--method", "ig", "--steps", "64", "--top", "24", "--json");
        var hook = root.GetProperty("hooks")[0];
        Assert.Equal(FeatureHookName, hook.GetProperty("hook").GetString());
        double fx = root.GetProperty("target_log_prob").GetDouble(), fb = hook.GetProperty("baseline").GetDouble();
        Assert.True(Math.Abs(hook.GetProperty("completeness_error").GetDouble()) < 0.01 * Math.Max(1, Math.Abs(fx - fb)), hook.ToString());
        Assert.NotEqual(fx, fb, 3);   // removing every feature leaves the error term alone, and that changes the prediction
        var silent = root.GetProperty("top").EnumerateArray().First(s => s.GetProperty("neuron").GetString() == $"0.{FeatureKit.Silent}");
        Assert.Equal(0.0, silent.GetProperty("score").GetDouble());
        var gxa = Run("attribute", "--model", folder.Dir, "--text", Clean, "--target", " on", "--units", $"sae:{dir}", "--json");
        Assert.Equal(fx, gxa.GetProperty("target_log_prob").GetDouble(), 5);   // the spliced dictionary leaves the prediction as it was
    }

    [Theory]
    [InlineData("sae", "--units")]
    [InlineData("nonsense:dir", "--units")]
    public void Patch_UnitsMalformed_OneLineExitTwo(string value, string mentions) =>
        CliRunner.AssertBadInput(CliRunner.Run("patch", "--model", folder.Dir, "--clean", Clean, "--corrupted", Corrupted, "--units", value), mentions);

    [Fact]
    public void Patch_UnitsTranscoderOnAnAutoencoder_OneLineExitTwo()
    {
        var (dir, _, _, _) = Setup();
        CliRunner.AssertBadInput(CliRunner.Run("patch", "--model", folder.Dir, "--clean", Clean, "--corrupted", Corrupted, "--units", $"transcoder:{dir}"), "sae:DIR");
    }
}
