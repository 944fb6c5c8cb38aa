using Interrogate.Models.Gpt2;
using Interrogate.Models.Llama;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Xunit.Abstractions;

namespace Interrogate.Tests.Models.Parity;

/// <summary>
/// Random tiny models saved in the Hugging Face layout, loaded back, and compared with a plain
/// PyTorch implementation of the HF forward pass: logits, and the gradient of the mean next-token
/// loss with respect to a hook point.
/// </summary>
[Trait("Category", "Parity")]
public class TorchParityTests(ITestOutputHelper output)
{
    private const float LogitTolerance = 1e-4f;
    private const float GradientTolerance = 1e-4f;   // relative to max |g|

    [RequiresTorchFact]
    public void Gpt2_TiedNarrowMlp_MatchesTorch() =>
        Check(ModelKit.Gpt2(), "blocks.0.mlp.hook_post");

    [RequiresTorchFact]
    public void Gpt2_UntiedErfGelu_MatchesTorch() =>
        Check(ModelKit.Gpt2(ModelKit.Gpt2Tiny with { TieWordEmbeddings = false, Activation = "gelu", Inner = null }, 2), "blocks.1.hook_resid_pre");

    [RequiresTorchFact]
    public void Gpt2_PatternGradient_MatchesTorch() =>
        Check(ModelKit.Gpt2(seed: 3), "blocks.1.attn.hook_pattern");

    [RequiresTorchFact]
    public void Llama_GroupedQueryUntied_MatchesTorch() =>
        Check(ModelKit.Llama(), "blocks.0.mlp.hook_post");

    [RequiresTorchFact]
    public void Llama_SingleKeyValueHeadTied_MatchesTorch() =>
        Check(ModelKit.Llama(ModelKit.LlamaTiny with { KeyValueHeads = 1, TieWordEmbeddings = true, RopeTheta = 500 }, 4), "blocks.1.hook_resid_pre");

    [RequiresTorchFact]
    public void Llama_RotatedKeysGradient_MatchesTorch() =>
        Check(ModelKit.Llama(ModelKit.LlamaTiny with { HeadDim = 8, AttentionBias = true }, 5), "blocks.0.attn.hook_rot_k");

    [RequiresTorchFact]
    public void Llama_PatternGradient_MatchesTorch() =>
        Check(ModelKit.Llama(seed: 6), "blocks.1.attn.hook_pattern");

    private void Check(CausalLanguageModel original, string hook)
    {
        using var dir = new TempDir();
        var modelDir = Directory.CreateDirectory(dir.File("model")).FullName;
        original.Save(modelDir);
        var model = TransformerLoader.FromDirectory(modelDir);
        const int b = 2, t = 9;
        var ids = ModelKit.RandomIds(b * t, model.Dimensions.VocabSize, 42);
        var batch = new TokenBatch(ids, b, t);

        Tensor logits, grad;
        using (var tape = new GradientTape())
        using (var hooks = new HookScope().KeepGradient(hook))
        {
            logits = model.Forward(batch);
            tape.Backward(CausalLanguageModel.NextTokenLoss(logits, batch));
            grad = hooks.Cached[hook].Grad!;
        }

        var rows = Enumerable.Range(0, b).Select(i => ids[(i * t)..((i + 1) * t)]).ToArray();
        var reference = TorchReference.Run(modelDir, rows, hook, dir.Path);
        Assert.Equal(reference.LogitsShape, logits.Shape);
        Assert.Equal(reference.GradShape, grad.Shape);
        float logitDiff = ModelKit.MaxAbsDiff(logits.ToArray(), reference.Logits);
        float gradScale = ModelKit.MaxAbs(reference.Grad);
        float gradDiff = ModelKit.MaxAbsDiff(grad.ToArray(), reference.Grad) / gradScale;
        output.WriteLine($"{model.ModelType} {hook}: logits max|Δ| = {logitDiff:E2} (max |logit| {ModelKit.MaxAbs(reference.Logits):F2}), " +
            $"grad max|Δ|/max|g| = {gradDiff:E2} (max |g| {gradScale:E2})");
        Assert.True(gradScale > 0, "the reference gradient is all zeros");
        Assert.True(logitDiff <= LogitTolerance, $"logits differ from PyTorch by {logitDiff}");
        Assert.True(gradDiff <= GradientTolerance, $"{hook} gradient differs from PyTorch by {gradDiff} (relative)");
    }
}
