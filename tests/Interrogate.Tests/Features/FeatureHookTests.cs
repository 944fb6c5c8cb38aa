using Interrogate.Analysis.Ablation;
using Interrogate.Features;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Features;

public sealed class FeatureHookTests
{
    private const int Windows = 4, Length = 12;
    private const string Resid = "blocks.0.hook_resid_post";
    private static readonly int[][] Ids = [.. Enumerable.Range(0, Windows).Select(w => ModelKit.RandomIds(Length, ModelKit.Gpt2Tiny.VocabSize, (ulong)(90 + w)))];
    private static readonly int[][] Positions = [.. Enumerable.Range(0, Windows).Select(w => new[] { 0, 2, 5 + w % 3, 9, 10 })];

    private static float[] Logits(CausalLanguageModel model, int[] ids, Action<HookScope>? edit = null)
    {
        using var _ = GradientTape.NoGrad();
        using var scope = new HookScope();
        edit?.Invoke(scope);
        return model.Forward(ids).ToArray();
    }

    [Fact]
    public void Attach_FeaturesCachedButNotEdited_LogitsBitIdenticalAndFeaturesAsTheLibraryEncodes()
    {
        var model = ModelKit.Gpt2();
        var clean = Logits(model, Ids[0]);
        var dictionary = FeatureKit.Dictionary(model, Ids, Resid, Resid);
        var hook = FeatureHook.Attach(model, dictionary);
        Assert.Equal("blocks.0.hook_resid_post.hook_sae_acts_post", hook.Name);
        Assert.Contains(model.DescribeHookPoints(2, 5), h => h.Name == hook.Name && h.Shape.SequenceEqual([2, 5, 24]));
        using var _ = GradientTape.NoGrad();
        using var scope = new HookScope().Cache(hook.Name, Resid);
        Assert.Equal(clean, model.Forward(Ids[0]).ToArray());
        var expected = new FeatureUnits(dictionary).Activations(scope.Cached[Resid]);
        Assert.Equal(expected, scope.Cached[hook.Name].ContiguousData().ToArray());
        Assert.Contains(expected, v => v > 0);
    }

    [Fact]
    public void Edit_FeatureHookSetToZero_EqualsFeatureUnitsAblate()
    {
        var model = ModelKit.Gpt2();
        var dictionary = FeatureKit.Dictionary(model, Ids, Resid, Resid);
        var hook = FeatureHook.Attach(model, dictionary);
        UnitRef[] units = [new(hook.Name, 1), new(hook.Name, 7)];
        var library = Logits(model, Ids[1], s => new FeatureUnits(dictionary).Ablate(s, [1, 7]));
        var viaHook = Logits(model, Ids[1], s => NeuronEdits.SetConstant(s, units, _ => 0f));
        Assert.NotEqual(Logits(model, Ids[1]), library);
        for (int i = 0; i < library.Length; i++) Assert.Equal(library[i], viaHook[i], 5);
    }

    /// <summary>Δloss at the scored positions: FeatureUnits' edit (the library's definition) in full forwards.</summary>
    private static float[][] Direct(CausalLanguageModel model, SparseDictionary dictionary, int[] features)
    {
        using var _ = GradientTape.NoGrad();
        var result = new float[Windows][];
        for (int w = 0; w < Windows; w++)
        {
            var clean = TokenLosses.NextToken(model.Forward(Ids[w]), Ids[w]);
            float[] ablated;
            using (var scope = new FeatureUnits(dictionary).Ablate(new HookScope(), features)) ablated = TokenLosses.NextToken(model.Forward(Ids[w]), Ids[w]);
            result[w] = [.. Positions[w].Select(p => ablated[p] - clean[p])];
        }
        return result;
    }

    [Theory]
    [InlineData("blocks.0.hook_resid_post", "blocks.0.hook_resid_post")]   // rank-one shortcut: starts at block 1
    [InlineData("blocks.1.hook_resid_pre", "blocks.1.hook_resid_pre")]     // rank-one into block 1 itself
    [InlineData("blocks.0.ln2.hook_normalized", "blocks.0.hook_mlp_out")]  // a transcoder: block 0 rerun with the edit
    public void BatchedAblation_FeatureJobs_EqualFeatureUnitsAblateAndSilentFeatureIsZero(string hookIn, string hookOut)
    {
        var model = ModelKit.Gpt2();
        var dictionary = FeatureKit.Dictionary(model, Ids, hookIn, hookOut);
        var hook = FeatureHook.Attach(model, dictionary);
        AblationJob[] jobs =
        [
            new("one", [new UnitRef(hook.Name, 2)]),
            new("set", [new UnitRef(hook.Name, 0), new UnitRef(hook.Name, 5), new UnitRef(hook.Name, 11)]),
            new("silent", [new UnitRef(hook.Name, FeatureKit.Silent)]),
            new("neuron", [UnitRef.Mlp(1, 4)]),   // neurons still ride in the same run
        ];
        var result = BatchedAblation.Run(model, Ids, Positions, jobs, new BatchedAblationOptions
        {
            Method = AblationMethod.Zero, WindowsPerChunk = 2, TokensPerPass = 2 * 2 * Length, Record = [new UnitRef(hook.Name, 2)],
        });
        int[][] features = [[2], [0, 5, 11]];
        for (int j = 0; j < features.Length; j++)
        {
            var expected = Direct(model, dictionary, features[j]);
            for (int w = 0; w < Windows; w++)
                for (int k = 0; k < Positions[w].Length; k++)
                    Assert.True(Math.Abs(expected[w][k] - result.Delta[j][w][k]) < 1e-4, $"{jobs[j].Name} window {w}: {expected[w][k]} vs {result.Delta[j][w][k]}");
            Assert.Contains(result.Delta[j], d => d.Any(x => Math.Abs(x) > 1e-4));
        }
        Assert.All(result.Delta[2], d => Assert.All(d, x => Assert.Equal(0f, x)));   // a feature that never fires has effect exactly 0
        Assert.Contains(result.Recorded[0], v => v > 0);
    }

    [Fact]
    public void Attach_HookMissingOrWidthWrong_InputExceptionNamingTheSource()
    {
        var model = ModelKit.Gpt2();
        var d = new SparseDictionary(16, 16, 8, DictionaryActivation.TopK, 2) { HookIn = "blocks.7.hook_resid_post", HookOut = "blocks.7.hook_resid_post" };
        Assert.Contains("--units sae:x", Assert.Throws<InputException>(() => FeatureHook.Attach(model, d, "--units sae:x")).Message);
        var wide = new SparseDictionary(32, 32, 8, DictionaryActivation.TopK, 2) { HookIn = Resid, HookOut = Resid };
        Assert.Contains("width 16", Assert.Throws<InputException>(() => FeatureHook.Attach(model, wide)).Message);
    }
}
