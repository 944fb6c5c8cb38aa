using Interrogate.Analysis.Trace;
using Interrogate.Features;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tests.Features;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Analysis;

/// <summary>trace with a dictionary: its hook split into active features, decoder bias and error, still summing to the logit.</summary>
public class FeatureTraceTests
{
    private static CausalLanguageModel Model(string arch) => arch switch
    {
        "gpt2" => ModelKit.Gpt2(),
        "llama" => ModelKit.Llama(),
        _ => Models.Families.FamilyKit.Build("pythia-parallel"),
    };

    private static (TraceResult Plain, TraceResult Split, FeatureHook Features, int[] Ids) Trace(CausalLanguageModel model, string hookIn, string hookOut)
    {
        int v = model.Dimensions.VocabSize;
        var windows = Enumerable.Range(0, 6).Select(w => ModelKit.RandomIds(12, v, (ulong)(20 + w))).ToArray();
        var features = FeatureHook.Attach(model, FeatureKit.Dictionary(model, windows, hookIn, hookOut, latents: 24, k: 5));
        var ids = ModelKit.RandomIds(9, v, 3);
        var tokenizer = new PredictionTracerTests.NumberTokenizer(v);
        var plain = PredictionTracer.Trace(model, tokenizer, ids, -1);
        return (plain, PredictionTracer.Trace(model, tokenizer, ids, -1, features: features), features, ids);
    }

    public static TheoryData<string, string> Hooks => new()
    {
        { "gpt2", HookNames.ResidPost(0) }, { "gpt2", HookNames.ResidPre(1) }, { "gpt2", HookNames.ResidMid(1) }, { "gpt2", HookNames.MlpOut(1) },
        { "gpt2", "blocks.0.hook_attn_out" }, { "llama", HookNames.ResidPost(0) }, { "pythia", HookNames.ResidPost(1) },
    };

    [Theory]
    [MemberData(nameof(Hooks))]
    public void Trace_Sae_FeaturePartsSumToLogitAndToTheHooksShare(string arch, string hook)
    {
        var model = Model(arch);
        var (plain, split, features, ids) = Trace(model, hook, hook);
        var f = split.Features!;
        Assert.Equal(split.Logit, f.ComponentsSum, 3);
        Assert.Equal(f.HookDirectLogit, f.Active.Sum(a => a.DirectLogit) + f.DecoderBiasDirectLogit + f.ErrorDirectLogit, 9);
        // Attaching and caching the features changes nothing of the model's own trace.
        Assert.Equal(plain.Logit, split.Logit);
        Assert.Equal(plain.DirectLogitAttribution.Select(c => c.Value), split.DirectLogitAttribution.Select(c => c.Value));
        // The hook's share equals the share of the components it sums.
        var replaced = plain.DirectLogitAttribution.Where(c => c.Source != "ln_final.bias" && !f.Components.Any(p => p.Source == c.Source)).Sum(c => c.Value);
        Assert.Equal(replaced, f.HookDirectLogit, 3);
        // The active features are exactly the nonzero activations at the traced position, each listed once among the parts.
        float[] acts;
        using (var scope = new HookScope().Cache(hook))
        {
            model.Forward(ids);
            acts = new FeatureUnits(features.Dictionary).Activations(scope.Cached[hook]);
        }
        int t = ids.Length - 1, m = features.Dictionary.Latents;
        var nonzero = Enumerable.Range(0, m).Where(j => acts[t * m + j] != 0).ToArray();
        Assert.Equal(nonzero, f.Active.Select(a => a.Feature).Order());
        Assert.All(f.Active, a => Assert.Equal(acts[t * m + a.Feature], a.Activation, 5));
        Assert.All(f.Active, a => Assert.Single(f.Components, p => p.Source == a.Unit));
        Assert.Equal(split.TopPredictions.Count, f.Active[0].LogitEffects.Count);
    }

    [Fact]
    public void Trace_SaeOnResidPost0_ReplacesEmbeddingsAndLayer0AndKeepsLayer1()
    {
        var (_, split, _, _) = Trace(ModelKit.Gpt2(), HookNames.ResidPost(0), HookNames.ResidPost(0));
        var sources = split.Features!.Components.Select(c => c.Source).ToList();
        Assert.DoesNotContain("embed", sources);
        Assert.DoesNotContain("L0.mlp", sources);
        Assert.DoesNotContain("L0.H0", sources);
        Assert.Contains("L1.mlp", sources);
        Assert.Contains("L1.H0", sources);
    }

    [Fact]
    public void Trace_TranscoderToMlpOut_ReplacesOnlyThatMlp()
    {
        var (_, split, _, _) = Trace(ModelKit.Gpt2(), HookNames.Ln2Normalized(1), HookNames.MlpOut(1));
        var f = split.Features!;
        Assert.Equal(split.Logit, f.ComponentsSum, 3);
        var sources = f.Components.Select(c => c.Source).ToList();
        Assert.DoesNotContain("L1.mlp", sources);
        Assert.Contains("L0.mlp", sources);
        Assert.Contains("embed", sources);
    }

    [Fact]
    public void Trace_DictionaryOnMlpPost_InputExceptionNamingUnits()
    {
        var model = ModelKit.Gpt2();
        var hook = HookNames.MlpPost(0);
        var windows = new[] { ModelKit.RandomIds(12, model.Dimensions.VocabSize, 20) };
        var features = FeatureHook.Attach(model, FeatureKit.Dictionary(model, windows, hook, hook, latents: 24, k: 5));
        var e = Assert.Throws<InputException>(() => PredictionTracer.Trace(model, new PredictionTracerTests.NumberTokenizer(model.Dimensions.VocabSize),
            ModelKit.RandomIds(5, model.Dimensions.VocabSize, 3), -1, features: features));
        Assert.Contains("--units", e.Message);
        Assert.Contains(hook, e.Message);
    }
}
