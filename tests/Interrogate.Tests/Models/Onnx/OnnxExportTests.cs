using Interrogate.Models.Conv;
using Interrogate.Models.Mlp;
using Interrogate.Models.Onnx;
using Interrogate.Models.Transformer;
using Interrogate.Tensors;
using Interrogate.Tests.Models.Families;
using Xunit.Abstractions;

namespace Interrogate.Tests.Models.Onnx;

/// <summary>
/// Every family (and option variant), GPT-2, pruned models and the classifiers, exported with all their
/// hook points and run in ONNX Runtime: logits and every hook equal ours within 1e-4 (relative above
/// magnitude 1, absolute below).
/// </summary>
public sealed class OnnxExportTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<string> Variants => [.. FamilyKit.Names.Append("gpt2")];

    private static CausalLanguageModel Build(string variant) => variant == "gpt2" ? ModelKit.Gpt2() : FamilyKit.Build(variant);

    /// <summary>Two rows of 12 tokens: every sliding window of the kit (5, 6) binds; dynamic RoPE runs past its context of 8.</summary>
    private static int[][] Rows(int vocab) => [ModelKit.RandomIds(12, vocab, 3), ModelKit.RandomIds(12, vocab, 4)];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Export_Family_LogitsAndEveryHookMatchOurs(string variant)
    {
        var model = Build(variant);
        AssertClose(variant, OnnxRun.Compare(model, Rows(model.Dimensions.VocabSize), OnnxRun.AllHooks(model)), model.HookPoints().Count() + 1);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Export_PrunedPerLayerWidths_LogitsAndMlpHooksMatchOurs(string variant)
    {
        var model = variant == "gpt2" ? ModelKit.Randomized(ModelKit.Gpt2().WithMlpWidths([11, 6]), 9) : FamilyKit.Pruned(variant);
        Assert.NotEqual(model.Blocks[0].Mlp.Width, model.Blocks[1].Mlp.Width);
        var comparisons = OnnxRun.Compare(model, Rows(model.Dimensions.VocabSize), "blocks.*.mlp.hook_post,blocks.*.hook_resid_post");
        AssertClose(variant + " pruned", comparisons, 1 + 2 * model.Blocks.Count);
    }

    [Fact]
    public void Export_LlamaAt1000Positions_LogitsMatchOurs()
    {
        // The graph computes rotary angles in float32 (as Hugging Face does), ours in double: far positions test that.
        var model = ModelKit.Llama(ModelKit.LlamaTiny with { ContextLength = 1024, HeadDim = 8, RopeTheta = 500000 });
        int v = model.Dimensions.VocabSize;
        AssertClose("llama 1000 tokens", OnnxRun.Compare(model, [ModelKit.RandomIds(1000, v, 5)], "blocks.*.attn.hook_rot_q"), 3);
    }

    [Fact]
    public void Export_MlpClassifierWithLayerNorm_LogitsAndHooksMatchOurs()
    {
        var model = new MlpClassifier(new MlpConfig { InputSize = 10, HiddenSizes = [7, 5], NumClasses = 3, Activation = "gelu", Normalization = "layernorm" }, 3);
        var x = new TensorRandom(5).Normal([4, 10], 0f, 1f);
        AssertClose("mlp", OnnxRun.Compare(model, x, OnnxRun.AllHooks(model)), 7);
    }

    [Fact]
    public void Export_PrunedMlpClassifier_LogitsMatchOurs()
    {
        // What pruning an MLP leaves: narrower hidden layers of different widths.
        var model = new MlpClassifier(new MlpConfig { InputSize = 10, HiddenSizes = [3, 6], NumClasses = 4, Activation = "tanh" }, 8);
        AssertClose("mlp pruned", OnnxRun.Compare(model, new TensorRandom(6).Normal([3, 10], 0f, 1f), "layers.*.hook_post"), 3);
    }

    [Fact]
    public void Export_ConvClassifier_LogitsAndHooksMatchOurs()
    {
        var config = new ConvConfig { ImageHeight = 9, ImageWidth = 7, Channels = [3, 4], KernelSize = 3, HiddenSizes = [6], NumClasses = 3 };
        var model = new ConvClassifier(config, 2);
        var x = new TensorRandom(7).Uniform([2, 63], 0f, 1f);
        AssertClose("conv", OnnxRun.Compare(model, x, OnnxRun.AllHooks(model)), 7);
    }

    [Fact]
    public void Export_ToFile_WritesOnlyTheFinishedFile()
    {
        using var dir = new TempDir();
        var path = dir.File("gpt2.onnx");
        var result = OnnxExport.Write(ModelKit.Gpt2(), path, "blocks.*.attn.hook_pattern");
        Assert.Equal(["blocks.0.attn.hook_pattern", "blocks.1.attn.hook_pattern"], result.Hooks);
        Assert.Equal(new FileInfo(path).Length, result.Bytes);
        Assert.Equal(17, result.Opset);
        Assert.Equal(["gpt2.onnx"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Export_PatternMatchingNoHook_ThrowsInputExceptionNamingFlag()
    {
        var e = Assert.Throws<InputException>(() => OnnxExport.ToBytes(ModelKit.Gpt2(), "blocks.*.mlp.hook_nothing"));
        Assert.StartsWith("--hooks", e.Message);
    }

    private void AssertClose(string label, List<OnnxRun.Comparison> comparisons, int expectedOutputs)
    {
        Assert.Equal(expectedOutputs, comparisons.Count);
        var worst = comparisons.MaxBy(c => c.Error)!;
        output.WriteLine($"{label}: {comparisons.Count} outputs, worst {worst}; logits {comparisons[0]}");
        foreach (var c in comparisons) Assert.True(c.Error <= Tolerance, $"{label} {c}");
    }
}
