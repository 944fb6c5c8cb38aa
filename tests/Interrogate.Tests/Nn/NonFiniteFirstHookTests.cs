using Interrogate.Nn;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Nn;

/// <summary>The first hook point where a NaN appears is found, in forward order.</summary>
public class NonFiniteFirstHookTests
{
    [Fact]
    public void FirstHook_HealthyModel_IsNull()
    {
        var model = ModelKit.Gpt2();
        Assert.Null(NonFiniteOutput.FirstHook(model, () => model.Forward(1, 2, 3, 4)));
    }

    [Fact]
    public void FirstHook_NaNInBlockOneMlp_NamesBlockOneMlpPre()
    {
        var model = ModelKit.Gpt2();
        var mlp = (Interrogate.Models.Transformer.DenseMlp)model.Blocks[1].Mlp;
        mlp.In.Weight.Span[0] = float.NaN;   // row 0 of the MLP's first layer: neuron 0 of hook_pre
        Assert.Equal("blocks.1.mlp.hook_pre", NonFiniteOutput.FirstHook(model, () => model.Forward(1, 2, 3, 4)));
    }

    [Fact]
    public void FirstHook_NaNInEmbedding_NamesHookEmbed()
    {
        var model = ModelKit.Gpt2();
        model.Embed.Weight.Span[2 * model.Dimensions.DModel] = float.NaN;   // token 2's first component
        Assert.Equal("hook_embed", NonFiniteOutput.FirstHook(model, () => model.Forward(1, 2, 3)));
    }
}
