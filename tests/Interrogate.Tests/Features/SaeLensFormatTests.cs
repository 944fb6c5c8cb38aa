using Interrogate.Features;
using Interrogate.Formats;
using Interrogate.Tensors;

namespace Interrogate.Tests.Features;

public class SaeLensFormatTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), $"saelens-{Guid.NewGuid():N}");

    public void Dispose() { if (Directory.Exists(dir)) Directory.Delete(dir, true); }

    private static SparseDictionary Random(DictionaryActivation activation, int dIn = 6, int dOut = 6)
    {
        var d = new SparseDictionary(dIn, dOut, 10, activation, 3) { HookIn = "blocks.1.hook_resid_post", HookOut = dIn == dOut ? "blocks.1.hook_resid_post" : "blocks.1.hook_mlp_out" };
        var rng = new TensorRandom(2);
        rng.Normal([10 * dIn]).ToArray().CopyTo(d.EncoderWeight, 0);
        rng.Normal([10 * dOut]).ToArray().CopyTo(d.DecoderWeight, 0);
        rng.Normal([10]).ToArray().CopyTo(d.EncoderBias, 0);
        rng.Normal([dOut]).ToArray().CopyTo(d.DecoderBias, 0);
        for (int j = 0; j < d.Threshold.Length; j++) d.Threshold[j] = 0.1f * j;
        d.SubtractDecoderBias = dIn == dOut;
        return d;
    }

    [Theory]
    [InlineData(DictionaryActivation.TopK, 6)]
    [InlineData(DictionaryActivation.Relu, 6)]
    [InlineData(DictionaryActivation.JumpRelu, 6)]
    [InlineData(DictionaryActivation.TopK, 4)]
    public void SaveLoad_EveryActivation_RoundTripsWeightsAndEncoding(DictionaryActivation activation, int dOut)
    {
        var d = Random(activation, 6, dOut);
        SaeLensFormat.Save(d, dir, "m");
        var back = SaeLensFormat.Load(dir);
        Assert.Equal((d.Activation, d.K, d.HookIn, d.HookOut, d.SubtractDecoderBias), (back.Activation, back.Activation == DictionaryActivation.TopK ? 3 : d.K, back.HookIn, back.HookOut, back.SubtractDecoderBias));
        Assert.Equal(d.EncoderWeight, back.EncoderWeight);
        Assert.Equal(d.DecoderWeight, back.DecoderWeight);
        Assert.Equal(d.Threshold, back.Threshold);
        // W_enc is stored [d_in, d_sae] as SAELens has it.
        using var file = SafetensorsFile.Open(Path.Combine(dir, SaeLensFormat.WeightsFile));
        Assert.Equal([6, 10], file.GetInfo("W_enc").Shape);
        Assert.Equal([10, dOut], file.GetInfo("W_dec").Shape);
        var x = new TensorRandom(9).Normal([5, 6]).ToArray();
        Assert.Equal(d.Decode(d.Encode(x, 5)), back.Decode(back.Encode(x, 5)));
    }

    [Fact]
    public void Load_MissingFolderOrFiles_InputExceptionNamingThem()
    {
        Assert.Contains("not found", Assert.Throws<InputException>(() => SaeLensFormat.Load(dir)).Message);
        SaeLensFormat.Save(Random(DictionaryActivation.TopK), dir);
        File.Delete(Path.Combine(dir, SaeLensFormat.WeightsFile));
        Assert.Contains(SaeLensFormat.WeightsFile, Assert.ThrowsAny<InputException>(() => SaeLensFormat.Load(dir)).Message);
    }

    [Theory]
    [InlineData("{\"d_in\": 6, \"architecture\": \"topk\", \"k\": 3}", "d_sae")]
    [InlineData("{\"d_in\": 6, \"d_sae\": 10, \"architecture\": \"topk\"}", "k")]
    [InlineData("{\"d_in\": 6, \"d_sae\": 10, \"architecture\": \"gated\"}", "gated")]
    [InlineData("{\"d_in\": 7, \"d_sae\": 10, \"architecture\": \"topk\", \"k\": 3}", "W_enc")]
    [InlineData("{\"d_in\": 6, \"d_sae\": 10, \"architecture\": \"topk\", \"k\": 30}", "larger than d_sae")]
    [InlineData("not json", "cfg.json")]
    public void Load_MalformedConfig_OneLineInputException(string cfg, string mentions)
    {
        SaeLensFormat.Save(Random(DictionaryActivation.TopK), dir);
        File.WriteAllText(Path.Combine(dir, SaeLensFormat.ConfigFile), cfg);
        var e = Assert.ThrowsAny<InputException>(() => SaeLensFormat.Load(dir));
        Assert.Contains(mentions, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Load_JumpReluWithoutThreshold_NamesTheTensor()
    {
        SaeLensFormat.Save(Random(DictionaryActivation.TopK), dir);
        File.WriteAllText(Path.Combine(dir, SaeLensFormat.ConfigFile), "{\"d_in\": 6, \"d_sae\": 10, \"architecture\": \"jumprelu\"}");
        Assert.Contains("threshold", Assert.ThrowsAny<InputException>(() => SaeLensFormat.Load(dir)).Message);
    }
}
