using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.Models.Transformer;
using Interrogate.Tensors;

namespace Interrogate.Tests.Models;

public class BadInputTests
{
    [Fact]
    public void Load_UnknownModelType_NamesConfigAndSupportedTypes()
    {
        using var dir = new TempDir();
        ModelKit.Gpt2().Save(dir.Path);
        var config = HfConfig.Load(dir.File("config.json"));
        config.Set("model_type", "mamba").Save(dir.File("config.json"));
        var ex = Assert.Throws<InputException>(() => TransformerLoader.FromDirectory(dir.Path));
        Assert.Contains("config.json", ex.Message);
        Assert.Contains("'mamba'", ex.Message);
        Assert.Contains("gpt2, llama", ex.Message);
    }

    [Fact]
    public void Load_ConfigContradictsShapes_NamesFileTensorAndBothShapes()
    {
        using var dir = new TempDir();
        ModelKit.Gpt2().Save(dir.Path);
        HfConfig.Load(dir.File("config.json")).Set("n_inner", 32).Save(dir.File("config.json"));
        var ex = Assert.Throws<InputException>(() => TransformerLoader.FromDirectory(dir.Path));
        Assert.Contains("model.safetensors", ex.Message);
        Assert.Contains("'transformer.h.0.mlp.c_fc.weight'", ex.Message);
        Assert.Contains("[16, 24]", ex.Message);
        Assert.Contains("[16, 32]", ex.Message);
        Assert.Contains("config.json", ex.Message);
    }

    [Fact]
    public void Load_MissingTensor_IsNamed()
    {
        using var dir = new TempDir();
        var model = ModelKit.Llama();
        SafetensorsWriter.Write(dir.File("model.safetensors"), model.Weights().ForSaving().Where(t => t.Name != "model.layers.1.mlp.up_proj.weight"));
        model.Config.ToHf().Save(dir.File("config.json"));
        var ex = Assert.Throws<InputException>(() => TransformerLoader.FromDirectory(dir.Path));
        Assert.Contains("missing tensor 'model.layers.1.mlp.up_proj.weight'", ex.Message);
    }

    [Fact]
    public void Load_UntiedLlamaWithoutHead_NamesLmHead()
    {
        using var dir = new TempDir();
        var model = ModelKit.Llama();
        SafetensorsWriter.Write(dir.File("model.safetensors"), model.Weights().ForSaving().Where(t => t.Name != "lm_head.weight"));
        model.Config.ToHf().Save(dir.File("config.json"));
        var ex = Assert.Throws<InputException>(() => TransformerLoader.FromDirectory(dir.Path));
        Assert.Contains("'lm_head.weight'", ex.Message);
    }

    [Fact]
    public void Load_UnexpectedTensor_IsNamed_KnownBuffersAreIgnored()
    {
        using var dir = new TempDir();
        var model = ModelKit.Gpt2();
        var tensors = model.Weights().ForSaving().ToList();
        tensors.Add(("transformer.h.0.attn.bias", Tensor.Zeros(1, 1, 24, 24)));
        tensors.Add(("transformer.h.1.attn.masked_bias", Tensor.Scalar(-1e4f)));
        SafetensorsWriter.Write(dir.File("model.safetensors"), tensors);
        model.Config.ToHf().Save(dir.File("config.json"));
        TransformerLoader.FromDirectory(dir.Path);
        tensors.Add(("transformer.h.2.ln_1.weight", Tensor.Zeros(16)));
        SafetensorsWriter.Write(dir.File("model.safetensors"), tensors);
        var ex = Assert.Throws<InputException>(() => TransformerLoader.FromDirectory(dir.Path));
        Assert.Contains("unexpected tensor 'transformer.h.2.ln_1.weight'", ex.Message);
    }

    [Fact]
    public void Load_UnknownRopeScaling_IsNotSupported()
    {
        using var dir = new TempDir();
        ModelKit.Llama().Save(dir.Path);
        HfConfig.Load(dir.File("config.json")).Set("rope_scaling", new JsonObject { ["type"] = "longrope", ["factor"] = 2.0 }).Save(dir.File("config.json"));
        var ex = Assert.Throws<InputException>(() => TransformerLoader.FromDirectory(dir.Path));
        Assert.Contains("rope_scaling", ex.Message);
        Assert.Contains("not supported", ex.Message);
    }

    [Fact]
    public void Load_BadConfigValues_NameTheKey()
    {
        using var dir = new TempDir();
        ModelKit.Llama().Save(dir.Path);
        HfConfig.Load(dir.File("config.json")).Set("num_key_value_heads", 3).Save(dir.File("config.json"));
        Assert.Contains("num_key_value_heads 3", Assert.Throws<InputException>(() => TransformerLoader.FromDirectory(dir.Path)).Message);
        HfConfig.Load(dir.File("config.json")).Set("num_key_value_heads", 2).Set("hidden_size", "big").Save(dir.File("config.json"));
        Assert.Contains("'hidden_size'", Assert.Throws<InputException>(() => TransformerLoader.FromDirectory(dir.Path)).Message);
    }

    [Fact]
    public void Forward_SequenceLongerThanContext_Throws()
    {
        var model = ModelKit.Gpt2();   // context 24
        Assert.Throws<InputException>(() => model.Forward(new int[25]));
        var cache = new KeyValueCache(2);
        model.Forward(TokenBatch.Single(new int[24]), cache);
        Assert.Throws<InputException>(() => model.Forward(TokenBatch.Single(1), cache));
    }
}
