using Interrogate.Formats;
using Interrogate.Models.Transformer;
using Interrogate.Tests.Formats;

namespace Interrogate.Tests.Models;

/// <summary>Config sizes and ids checked against the weights header and the machine before any tensor is created.</summary>
public class ConfigChecksTests
{
    private static string LoadFails(Action<HfConfig> edit)
    {
        using var dir = new TempDir();
        ModelKit.Gpt2().Save(dir.Path);
        var config = HfConfig.Load(dir.File("config.json"));
        edit(config);
        config.Save(dir.File("config.json"));
        return Assert.Throws<InputException>(() => TransformerLoader.FromDirectory(dir.Path)).Message;
    }

    [Theory]
    [InlineData("n_layer", 1_000_000_000)]
    [InlineData("n_embd", int.MaxValue)]
    [InlineData("vocab_size", int.MaxValue)]
    [InlineData("n_inner", 1_000_000_000)]
    public void Load_HugeSize_RefusedBeforeAllocating(string key, int value)
    {
        long before = GC.GetTotalAllocatedBytes();
        var message = LoadFails(c => c.Set(key, value));
        Assert.Contains("config.json", message);
        Assert.Contains("weights", message);
        Assert.True(GC.GetTotalAllocatedBytes() - before < 64L << 20, "the check allocated the model");
    }

    [Fact]
    public void Load_PositionsPastMemory_SaysHowMuchIsNeeded()
    {
        var message = LoadFails(c => c.Set("n_positions", int.MaxValue).Set("n_ctx", int.MaxValue));
        Assert.Contains("GiB of memory", message);
    }

    [Theory]
    [InlineData("bos_token_id", 100000, "outside the vocabulary")]
    [InlineData("eos_token_id", -1, "outside the vocabulary")]
    [InlineData("layer_norm_epsilon", -1e-5, "must be a positive number")]
    public void Load_BadIdsOrEpsilon_NamesKey(string key, double value, string problem)
    {
        var message = LoadFails(c => c.Set(key, value));
        Assert.Contains($"'{key}'", message);
        Assert.Contains(problem, message);
    }

    [Fact]
    public void Load_UntiedWithoutHead_Refused()
    {
        Assert.Contains("'lm_head.weight'", LoadFails(c => c.Set("tie_word_embeddings", false)));
    }
}
