using Interrogate.Analysis;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Analysis;

/// <summary>The first hook point where a NaN appears is found, in forward order.</summary>
public class NonFiniteTraceTests
{
    [Fact]
    public void FirstHook_HealthyModel_IsNull()
    {
        Assert.Null(NonFiniteTrace.FirstHook(ModelKit.Gpt2(), [1, 2, 3, 4]));
    }

    [Fact]
    public void FirstHook_NaNInBlockOneMlp_NamesBlockOneMlpPre()
    {
        var model = ModelKit.Gpt2();
        var mlp = (Interrogate.Models.Transformer.DenseMlp)model.Blocks[1].Mlp;
        mlp.In.Weight.Span[0] = float.NaN;   // row 0 of the MLP's first layer: neuron 0 of hook_pre
        Assert.Equal("blocks.1.mlp.hook_pre", NonFiniteTrace.FirstHook(model, [1, 2, 3, 4]));
    }

    [Fact]
    public void FirstHook_NaNInEmbedding_NamesHookEmbed()
    {
        var model = ModelKit.Gpt2();
        model.Embed.Weight.Span[2 * model.Dimensions.DModel] = float.NaN;   // token 2's first component
        Assert.Equal("hook_embed", NonFiniteTrace.FirstHook(model, [1, 2, 3]));
    }
}
