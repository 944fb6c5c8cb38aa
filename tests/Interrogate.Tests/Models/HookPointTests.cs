using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tests.Models;

public class HookPointTests
{
    private static readonly TokenBatch Batch = new(ModelKit.RandomIds(2 * 5, 37, 11), 2, 5);

    [Fact]
    public void DescribeHookPoints_Gpt2_TransformerLensNamesAndShapes()
    {
        var hooks = ModelKit.Gpt2().DescribeHookPoints(2, 5).ToDictionary(h => h.Name, h => h.Shape);
        Assert.Equal([2, 5, 16], hooks["hook_embed"]);
        Assert.Equal([2, 5, 16], hooks["hook_pos_embed"]);
        Assert.Equal([2, 5, 16], hooks["blocks.1.hook_resid_pre"]);
        Assert.Equal([2, 5, 16], hooks["blocks.0.ln1.hook_normalized"]);
        Assert.Equal([2, 5, 4, 4], hooks["blocks.0.attn.hook_q"]);
        Assert.Equal([2, 4, 5, 5], hooks["blocks.0.attn.hook_pattern"]);
        Assert.Equal([2, 5, 4, 4], hooks["blocks.1.attn.hook_z"]);
        Assert.Equal([2, 5, 24], hooks["blocks.1.mlp.hook_post"]);
        Assert.Equal([2, 5, 16], hooks["ln_final.hook_normalized"]);
        Assert.Equal(2 + 2 * 14 + 1, hooks.Count);   // per block: 5 residual, 2 norm, 5 attention, 2 MLP
    }

    [Fact]
    public void DescribeHookPoints_Llama_ShapesEqualCachedActivations()
    {
        var model = ModelKit.Llama();
        var described = model.DescribeHookPoints(2, 5);
        Assert.DoesNotContain(described, h => h.Name == "hook_pos_embed");
        Assert.Equal([2, 5, 2, 4], described.Single(h => h.Name == "blocks.0.attn.hook_k").Shape);
        using var hooks = new HookScope().Cache(_ => true);
        model.Forward(new TokenBatch(ModelKit.RandomIds(10, 41, 1), 2, 5));
        Assert.Equal(described.Count, hooks.Cached.Count);
        foreach (var (name, shape) in described) Assert.Equal(shape, hooks.Cached[name].Shape);
    }

    [Fact]
    public void ForwardBlocks_FirstBlock_SameHooksAsForwardAndNoLaterOnes()
    {
        var model = ModelKit.Gpt2();
        float[] residFull, postFull;
        using (var full = new HookScope().Cache(_ => true))
        {
            model.Forward(Batch);
            (residFull, postFull) = (full.Cached["blocks.0.hook_resid_post"].ToArray(), full.Cached["blocks.0.mlp.hook_post"].ToArray());
        }
        using var part = new HookScope().Cache(_ => true);
        var resid = model.ForwardBlocks(Batch, 1);
        Assert.Equal(residFull, resid.ToArray());
        Assert.Equal(postFull, part.Cached["blocks.0.mlp.hook_post"].ToArray());
        Assert.DoesNotContain(part.Seen, n => n.StartsWith("blocks.1.", StringComparison.Ordinal) || n.StartsWith("ln_final", StringComparison.Ordinal));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardBlocks(Batch, 3));
    }

    [Fact]
    public void Cache_MlpPost_KeepsReferencesAndSkipsPatterns()
    {
        var model = ModelKit.Gpt2();
        using var hooks = new HookScope().Cache(name => name.EndsWith("mlp.hook_post", StringComparison.Ordinal));
        model.Forward(Batch);
        Assert.Equal(["blocks.0.mlp.hook_post", "blocks.1.mlp.hook_post"], hooks.Cached.Keys.Order());
        Assert.DoesNotContain(hooks.Seen, n => n.EndsWith("hook_pattern", StringComparison.Ordinal));
        // hook_post is the activation of hook_pre, by reference (no copy was made).
        using var both = new HookScope().Cache("blocks.0.mlp.hook_pre", "blocks.0.mlp.hook_post");
        model.Forward(Batch);
        var expected = both.Cached["blocks.0.mlp.hook_pre"].Gelu(tanhApproximation: true).ToArray();
        Assert.Equal(expected, both.Cached["blocks.0.mlp.hook_post"].ToArray());
    }

    [Fact]
    public void Pattern_WhenCached_RowsSumToOneAndLogitsMatchFusedPath()
    {
        foreach (CausalLanguageModel model in new CausalLanguageModel[] { ModelKit.Gpt2(), ModelKit.Llama() })
        {
            var batch = TokenBatch.Pad([[1, 2, 3, 4, 5], [6, 7]], PaddingSide.Left);
            var fused = model.Forward(batch).ToArray();
            using var hooks = new HookScope().Cache("blocks.1.attn.hook_pattern");
            var split = model.Forward(batch).ToArray();
            Assert.True(ModelKit.MaxAbsDiff(fused, split) < 1e-5f);
            var pattern = hooks.Cached["blocks.1.attn.hook_pattern"];   // [B, H, T, T]
            Assert.Equal([2, 4, 5, 5], pattern.Shape);
            Assert.Equal(1f, pattern[1, 2, 4, 3] + pattern[1, 2, 4, 4], 5);
            Assert.Equal(0f, pattern[1, 2, 4, 2]);   // a padded key
            Assert.Equal(0f, pattern[0, 0, 1, 2]);   // a future key
        }
    }

    [Fact]
    public void Edit_ZeroAblateAttention_EqualsRemovingItsOutput()
    {
        var model = ModelKit.Llama();
        var batch = new TokenBatch(ModelKit.RandomIds(6, 41, 3), 1, 6);
        float[] ablated, patched;
        using (new HookScope().Edit("blocks.0.hook_attn_out", a => Tensor.Zeros(a.Shape)))
            ablated = model.Forward(batch).ToArray();
        Tensor residPre;
        using (var hooks = new HookScope().Cache("blocks.0.hook_resid_pre"))
        {
            model.Forward(batch);
            residPre = hooks.Cached["blocks.0.hook_resid_pre"];
        }
        // resid_mid := resid_pre is the same ablation, written as a patch.
        using (new HookScope().Edit("blocks.0.hook_resid_mid", _ => residPre))
            patched = model.Forward(batch).ToArray();
        Assert.True(ModelKit.MaxAbsDiff(ablated, patched) < 1e-6f);
        Assert.True(ModelKit.MaxAbsDiff(ablated, model.Forward(batch).ToArray()) > 1e-3f);
    }

    [Fact]
    public void KeepGradient_ResidPre_EqualsFiniteDifference()
    {
        var model = ModelKit.Gpt2();
        var batch = new TokenBatch(ModelKit.RandomIds(6, 37, 5), 1, 6);
        Tensor grad;
        using (var tape = new GradientTape())
        using (var hooks = new HookScope().KeepGradient("blocks.1.hook_resid_pre"))
        {
            tape.Backward(CausalLanguageModel.NextTokenLoss(model.Forward(batch), batch));
            grad = hooks.Cached["blocks.1.hook_resid_pre"].Grad!;
        }
        const float h = 1e-2f;
        foreach (var (t, d) in new[] { (0, 3), (4, 10), (5, 0) })
        {
            float Loss(float delta)
            {
                using var edit = new HookScope().Edit("blocks.1.hook_resid_pre", a => { var c = a.Clone(); c[0, t, d] += delta; return c; });
                return CausalLanguageModel.NextTokenLoss(model.Forward(batch), batch).Item();
            }
            float numeric = (Loss(h) - Loss(-h)) / (2 * h);
            Assert.Equal(numeric, grad[0, t, d], 3);
        }
    }
}
