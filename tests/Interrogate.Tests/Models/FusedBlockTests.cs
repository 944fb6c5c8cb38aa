using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Tests.Models;

// The fused inference route of TransformerBlock against the ordinary one. Caching hook_resid_mid
// makes every block take the ordinary route while attention still runs on the fused projection,
// so the two routes do the same arithmetic in the same order and must agree bit for bit.
public class FusedBlockTests
{
    // Wide enough MLP (48 rows × 2048 neurons) that the fused row passes split into several blocks.
    private static readonly Gpt2Config Wide = ModelKit.Gpt2Tiny with { DModel = 32, Inner = 2048 };
    private static readonly TokenBatch Batch = new(ModelKit.RandomIds(2 * 24, 37, 5), 2, 24);

    private static float[] Logits(CausalLanguageModel model, HookScope? scope = null)
    {
        using (scope) return model.Forward(Batch).ToArray();
    }

    private static HookScope Unfused() => new HookScope().Cache(n => n.EndsWith(".hook_resid_mid", StringComparison.Ordinal));

    [Fact]
    public void Forward_NoHooks_SameBitsAsUnfusedRoute()
    {
        var model = ModelKit.Gpt2(Wide);
        var fused = Logits(model);
        Assert.Equal(Logits(model, Unfused()), fused);
        Assert.True(ModelKit.MaxAbsDiff(Logits(model, new HookScope().Cache(_ => true)), fused) < 1e-4f);
    }

    [Fact]
    public void Forward_Repeated_SameBitsWithPooledBuffers()
    {
        var model = ModelKit.Gpt2(Wide);
        var first = Logits(model);
        var second = Logits(model);
        Logits(ModelKit.Gpt2(Wide, seed: 2));   // another model's pass reuses the same pooled arrays in between
        Assert.Equal(first, second);
        Assert.Equal(first, Logits(model));
    }

    [Fact]
    public void Forward_HookPostCached_SameActivationsAsUnfusedRoute()
    {
        var model = ModelKit.Gpt2(Wide);
        using var fusedScope = new HookScope().Cache(n => n.EndsWith(".mlp.hook_post", StringComparison.Ordinal));
        var fused = model.Forward(Batch).ToArray();
        var fusedPost = fusedScope.Cached["blocks.1.mlp.hook_post"].ToArray();
        fusedScope.Dispose();
        using var plainScope = new HookScope().Cache(n => n.EndsWith(".mlp.hook_post", StringComparison.Ordinal) || n.EndsWith(".hook_resid_mid", StringComparison.Ordinal));
        var plain = model.Forward(Batch).ToArray();
        Assert.Equal(plain, fused);
        Assert.Equal(plainScope.Cached["blocks.1.mlp.hook_post"].ToArray(), fusedPost);
        Assert.NotEqual(0f, fusedPost[7]);
    }

    [Fact]
    public void Forward_HookPostEdited_SameLogitsAsUnfusedRoute()
    {
        var model = ModelKit.Gpt2(Wide);
        static Tensor ZeroNeuron(Tensor post)
        {
            var copy = post.Clone();
            for (int r = 0; r < copy.Size / copy.Shape[^1]; r++) copy.Span[r * copy.Shape[^1] + 3] = 0f;
            return copy;
        }
        var plainEdited = Logits(model, Unfused().Edit("blocks.0.mlp.hook_post", ZeroNeuron));
        var fusedEdited = Logits(model, new HookScope().Edit("blocks.0.mlp.hook_post", ZeroNeuron));
        Assert.Equal(plainEdited, fusedEdited);
        Assert.NotEqual(Logits(model), fusedEdited);
    }

    [Fact]
    public void ScratchTensors_ReturnedArray_RentedAgainForSameSize()
    {
        var t = ScratchTensors.Rent(3, 1000);
        var array = t.Storage;
        ScratchTensors.Return(t);
        ScratchTensors.Return(t);   // a second return of the same array is ignored
        var again = ScratchTensors.Rent(1000, 3);
        Assert.Same(array, again.Storage);
        Assert.Equal([1000, 3], again.Shape);
        Assert.NotSame(array, ScratchTensors.Rent(3000).Storage);
    }
}
