using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Llama;
using Interrogate.Models.Transformer;

namespace Interrogate.Tests.Models;

public class LoadSaveTests
{
    private static readonly int[] Ids = [1, 5, 9, 2, 30, 7];

    [Theory]
    [InlineData("gpt2", true)]
    [InlineData("gpt2", false)]
    [InlineData("llama", true)]
    [InlineData("llama", false)]
    public void SaveThenLoad_SameLogits(string architecture, bool tied)
    {
        CausalLanguageModel model = architecture == "gpt2"
            ? ModelKit.Gpt2(ModelKit.Gpt2Tiny with { TieWordEmbeddings = tied })
            : ModelKit.Llama(ModelKit.LlamaTiny with { TieWordEmbeddings = tied });
        using var dir = new TempDir();
        model.Save(dir.Path);
        var loaded = TransformerLoader.FromDirectory(dir.Path);
        Assert.IsType(model.GetType(), loaded);
        Assert.Equal(tied, loaded.TiedEmbeddings);
        using var file = SafetensorsFile.Open(dir.File("model.safetensors"));
        Assert.Equal(!tied, file.Contains("lm_head.weight"));
        Assert.Equal(model.Forward(Ids).ToArray(), loaded.Forward(Ids).ToArray());
    }

    [Fact]
    public void Gpt2_HfLayout_Conv1DShapes_AndUnprefixedNamesLoad()
    {
        var model = ModelKit.Gpt2();
        using var dir = new TempDir();
        model.Save(dir.Path);
        using (var file = SafetensorsFile.Open(dir.File("model.safetensors")))
        {
            Assert.Equal([16, 48], file.GetInfo("transformer.h.0.attn.c_attn.weight").Shape);
            Assert.Equal([16, 24], file.GetInfo("transformer.h.1.mlp.c_fc.weight").Shape);
            Assert.Equal([24, 16], file.GetInfo("transformer.h.1.mlp.c_proj.weight").Shape);
        }
        // The hub's gpt2 files have no "transformer." prefix.
        SafetensorsWriter.Write(dir.File("model.safetensors"), model.Weights(prefix: "").ForSaving());
        Assert.Equal(model.Forward(Ids).ToArray(), TransformerLoader.FromDirectory(dir.Path).Forward(Ids).ToArray());
    }

    [Fact]
    public void Gpt2_NullInner_MeansFourTimesWidth()
    {
        var config = Gpt2Config.FromHf(new HfConfig(new JsonObject { ["model_type"] = "gpt2", ["n_embd"] = 8, ["n_head"] = 2, ["n_layer"] = 3, ["n_inner"] = null }));
        Assert.Equal([32, 32, 32], config.MlpWidths);
    }

    [Fact]
    public void PerLayerMlpWidths_RoundTrip()
    {
        using var dir = new TempDir();
        var gpt2 = ModelKit.Gpt2(ModelKit.Gpt2Tiny with { InnerPerLayer = [12, 20] });
        gpt2.Save(dir.Path);
        var loaded = (Gpt2Model)TransformerLoader.FromDirectory(dir.Path);
        Assert.Equal([12, 20], loaded.Config.MlpWidths);
        Assert.Equal(gpt2.Forward(Ids).ToArray(), loaded.Forward(Ids).ToArray());

        var llama = ModelKit.Llama(ModelKit.LlamaTiny with { IntermediatePerLayer = [8, 28] });
        llama.Save(dir.Path);
        var loadedLlama = (LlamaModel)TransformerLoader.FromDirectory(dir.Path);
        Assert.Equal([8, 28], loadedLlama.Blocks.Select(b => b.Mlp.Width));
        Assert.Equal(llama.Forward(Ids).ToArray(), loadedLlama.Forward(Ids).ToArray());
    }

    [Fact]
    public void Llama_FileHasSeparateProjections_WithGroupedShapes()
    {
        using var dir = new TempDir();
        ModelKit.Llama().Save(dir.Path);
        using var file = SafetensorsFile.Open(dir.File("model.safetensors"));
        Assert.Equal([16, 16], file.GetInfo("model.layers.0.self_attn.q_proj.weight").Shape);
        Assert.Equal([8, 16], file.GetInfo("model.layers.0.self_attn.k_proj.weight").Shape);
        Assert.Equal([8, 16], file.GetInfo("model.layers.0.self_attn.v_proj.weight").Shape);
        Assert.Equal([20, 16], file.GetInfo("model.layers.1.mlp.gate_proj.weight").Shape);
        Assert.False(file.Contains("model.layers.0.self_attn.q_proj.bias"));
        var config = HfConfig.Load(dir.File("config.json"));
        Assert.Equal(2, config.GetInt("num_key_value_heads"));
        Assert.False(config.Has("rope_scaling"));
    }
}
