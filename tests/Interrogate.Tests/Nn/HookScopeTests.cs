using Interrogate.Models.Mlp;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tests.Nn;

public class HookScopeTests
{
    private static readonly MlpConfig Tiny = new() { InputSize = 4, HiddenSizes = [5, 3], NumClasses = 2 };

    [Fact]
    public void HookPoints_Mlp_NamedFromTree()
    {
        var model = new MlpClassifier(Tiny, 1);
        var names = model.HookPoints().Select(h => h.FullName).ToArray();
        Assert.Equal(["layers.0.hook_pre", "layers.0.hook_post", "layers.1.hook_pre", "layers.1.hook_post"], names);
        Assert.Contains("layers.1.linear.weight", model.NamedParameters().Select(p => p.Name));
    }

    [Fact]
    public void Cache_HookPost_HoldsReluOfHookPre()
    {
        var model = new MlpClassifier(Tiny, 1);
        var x = new TensorRandom(2).Normal([3, 4]);
        using var hooks = new HookScope().Cache("layers.0.hook_pre", "layers.0.hook_post");
        model.Forward(x);
        var pre = hooks.Cached["layers.0.hook_pre"].ToArray();
        var post = hooks.Cached["layers.0.hook_post"].ToArray();
        Assert.Equal(pre.Select(v => Math.Max(v, 0f)), post);
    }

    [Fact]
    public void Edit_ZeroAblation_ChangesOutputOnlyInsideScope()
    {
        var model = new MlpClassifier(Tiny, 1);
        var x = new TensorRandom(2).Normal([3, 4]);
        var before = model.Forward(x).ToArray();
        float[] ablated;
        using (new HookScope().Edit("layers.1.hook_post", a => Tensor.Zeros(a.Shape)))
            ablated = model.Forward(x).ToArray();
        var after = model.Forward(x).ToArray();
        Assert.Equal(before, after);
        // With the last hidden layer zeroed, the logits are the head's bias (zeros at init).
        Assert.All(ablated, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void KeepGradient_HookPoint_ReceivesGradient()
    {
        var model = new MlpClassifier(Tiny, 1);
        var x = new TensorRandom(2).Normal([3, 4]);
        using var hooks = new HookScope().KeepGradient("layers.0.hook_post");
        using var tape = new GradientTape();
        var loss = model.Forward(x).CrossEntropy([0, 1, 1]);
        tape.Backward(loss);
        var g = hooks.Cached["layers.0.hook_post"].Grad;
        Assert.NotNull(g);
        Assert.Equal([3, 5], g!.Shape);
        Assert.Contains(g.ToArray(), v => v != 0f);
    }
}
