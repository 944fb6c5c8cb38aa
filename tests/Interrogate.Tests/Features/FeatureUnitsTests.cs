using Interrogate.Features;
using Interrogate.Models.Gpt2;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tests.Features;

public class FeatureUnitsTests
{
    private const string Hook = "blocks.0.hook_resid_post";
    private static readonly int[] Ids = [1, 5, 9, 3, 7, 2, 8, 4];

    private static Gpt2Model TinyModel() => new(new Gpt2Config { VocabSize = 16, ContextLength = 8, DModel = 8, Layers = 2, Heads = 2 }, seed: 4);

    private static SparseDictionary RandomDictionary(int k = 4)
    {
        var d = new SparseDictionary(8, 8, 24, DictionaryActivation.TopK, k) { HookIn = Hook, HookOut = Hook };
        var rng = new TensorRandom(11);
        var x = rng.Normal([64, 8]).ToArray();
        DictionaryInit.Apply(d, x, 64, geometricMedian: false, threshold: 0f, seed: 3);
        return d;
    }

    // An exact dictionary: latents ±e_c with ReLU, so x̂ = relu(x) − relu(−x) = x.
    private static SparseDictionary ExactDictionary()
    {
        var d = new SparseDictionary(8, 8, 16, DictionaryActivation.Relu, 0) { HookIn = Hook, HookOut = Hook, SubtractDecoderBias = false };
        for (int c = 0; c < 8; c++)
        {
            d.EncoderWeight[c * 8 + c] = d.DecoderWeight[c * 8 + c] = 1f;
            d.EncoderWeight[(8 + c) * 8 + c] = d.DecoderWeight[(8 + c) * 8 + c] = -1f;
        }
        return d;
    }

    private static (float[] Logits, float[] Hook) Run(Gpt2Model model, Action<HookScope>? edit)
    {
        using var _ = GradientTape.NoGrad();
        using var scope = new HookScope().Cache(Hook);
        edit?.Invoke(scope);
        var logits = model.Forward(Ids).ToArray();
        return (logits, scope.Cached[Hook].ContiguousData().ToArray());
    }

    [Fact]
    public void Ablate_NoFeatures_RestOfModelSeesExactlyTheSame()
    {
        var model = TinyModel();
        var units = new FeatureUnits(RandomDictionary());
        var clean = Run(model, null);
        var edited = Run(model, s => units.Ablate(s, []));
        Assert.Equal(clean.Logits, edited.Logits);   // bit for bit: the reconstruction error is kept, not x̂
    }

    [Fact]
    public void Patch_FeaturesToTheirOwnValues_RestOfModelSeesExactlyTheSame()
    {
        var model = TinyModel();
        var units = new FeatureUnits(RandomDictionary());
        var clean = Run(model, null);
        var own = units.Activations(new Tensor(clean.Hook, Ids.Length, 8));
        var edited = Run(model, s => units.Patch(s, [.. Enumerable.Range(0, units.Count)], own));
        Assert.Equal(clean.Logits, edited.Logits);
    }

    [Fact]
    public void Ablate_OneFeature_ChangesTheHookByExactlyItsDecoderContribution()
    {
        var model = TinyModel();
        var dict = RandomDictionary();
        var units = new FeatureUnits(dict);
        var clean = Run(model, null);
        var acts = units.Activations(new Tensor(clean.Hook, Ids.Length, 8));
        int f = Enumerable.Range(0, units.Count).OrderByDescending(j => Enumerable.Range(0, Ids.Length).Sum(i => acts[i * units.Count + j])).First();
        var edited = Run(model, s => units.Ablate(s, [f]));
        for (int i = 0; i < Ids.Length; i++)
            for (int c = 0; c < 8; c++)
                Assert.Equal(clean.Hook[i * 8 + c] - acts[i * units.Count + f] * dict.DecoderWeight[f * 8 + c], edited.Hook[i * 8 + c], 5);
        Assert.NotEqual(clean.Logits, edited.Logits);
    }

    [Fact]
    public void SpliceLosses_ExactDictionary_RecoversAllTheLoss()
    {
        var model = TinyModel();
        var tokens = Enumerable.Range(0, 64).Select(i => i * 7 % 16).ToArray();
        var losses = SpliceLosses.Measure(model, ExactDictionary(), tokens, new float[8]);
        Assert.Equal(losses.Clean, losses.Spliced, 5);
        Assert.Equal(1.0, losses.RecoveredVersusZero, 3);
        Assert.NotEqual(losses.Clean, losses.ZeroAblated, 3);
    }
}
