using Interrogate.Models.Mlp;
using Interrogate.Models.Transformer;
using Interrogate.Tensors;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Nn;

/// <summary>A model loaded from files refuses a non-finite output and names the first hook point where a non-finite value appears.</summary>
public sealed class NonFiniteOutputTests
{
    private static readonly int[] Ids = ModelKit.RandomIds(12, ModelKit.Gpt2Tiny.VocabSize, seed: 5);

    private static void Plant(Interrogate.Nn.Module model, string parameter, float value) =>
        model.NamedParameters().First(p => p.Name == parameter).Tensor.Span[7] = value;

    [Fact]
    public void Forward_RefusingModelWithNaNInBlock1Mlp_NamesBlock1MlpHookPre()
    {
        var model = ModelKit.Gpt2();
        var name = model.NamedParameters().Select(p => p.Name).First(n => n.StartsWith("blocks.1.mlp.", StringComparison.Ordinal) && n.EndsWith("weight", StringComparison.Ordinal));
        Plant(model, name, float.NaN);
        model.RefuseNonFinite = true;
        var e = Assert.Throws<InputException>(() => model.Forward(Ids));
        Assert.Equal("the model's output holds NaN: the first non-finite value appears at blocks.1.mlp.hook_pre; its weights hold non-finite values or overflow float32 on this input", e.Message);
        Assert.True(model.RefuseNonFinite);   // the re-run that found the hook turned the check back on
    }

    [Fact]
    public void Forward_ModelBuiltInMemory_HandsNaNOn()
    {
        var model = ModelKit.Gpt2();
        Plant(model, model.NamedParameters().First(p => p.Name.StartsWith("blocks.0.", StringComparison.Ordinal)).Name, float.PositiveInfinity);
        var logits = model.Forward(Ids);
        Assert.Contains(logits.ToArray(), v => !float.IsFinite(v));
    }

    [Fact]
    public void Forward_FiniteRefusingModel_SameLogits()
    {
        var (plain, refusing) = (ModelKit.Gpt2(seed: 3), ModelKit.Gpt2(seed: 3));
        refusing.RefuseNonFinite = true;
        Assert.Equal(plain.Forward(Ids).ToArray(), refusing.Forward(TokenBatch.Single(Ids)).ToArray());
    }

    [Fact]
    public void Forward_MlpWithInfInHeadOnly_SaysOutputLayer()
    {
        var mlp = new MlpClassifier(new MlpConfig { HiddenSizes = [8] }, 3) { RefuseNonFinite = true };
        Plant(mlp, "head.weight", float.PositiveInfinity);
        var x = Tensor.FromArray(new float[2 * 784].Select((_, i) => (i % 7) / 7f).ToArray(), [2, 784]);
        var e = Assert.Throws<InputException>(() => mlp.Forward(x));
        Assert.Contains("no hook point holds one, so it first appears in the output layer", e.Message);
    }

    [Fact]
    public void Forward_MlpWithNaNInFirstLayer_NamesItsHookPre()
    {
        var mlp = new MlpClassifier(new MlpConfig { HiddenSizes = [8] }, 3) { RefuseNonFinite = true };
        Plant(mlp, "layers.0.linear.weight", float.NaN);
        var e = Assert.Throws<InputException>(() => mlp.Forward(Tensor.FromArray(new float[784], [1, 784])));
        Assert.Contains("appears at layers.0.hook_pre", e.Message);
    }
}
