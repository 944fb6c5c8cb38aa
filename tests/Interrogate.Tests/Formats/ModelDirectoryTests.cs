using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.Tensors;

namespace Interrogate.Tests.Formats;

public class ModelDirectoryTests
{
    private static void WriteIndex(TempDir dir, JsonObject weightMap) =>
        File.WriteAllText(dir.File(ModelDirectory.IndexFileName), new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 0 }, ["weight_map"] = weightMap }.ToJsonString());

    [Fact]
    public void OpenWeights_SingleFile_ReadsTensorsAndConfig()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), """{"model_type":"gpt2","n_embd":4}""");
        SafetensorsWriter.Write(dir.File("model.safetensors"), [("wte.weight", Tensor.FromArray([1f, 2f, 3f, 4f], 1, 4))]);

        var model = ModelDirectory.Open(dir.Path);
        Assert.Equal(4, model.LoadConfig().GetInt("n_embd"));
        using var weights = model.OpenWeights();
        Assert.IsType<SafetensorsFile>(weights);
        Assert.Equal([1f, 2f, 3f, 4f], weights.ReadTensor("wte.weight").ToArray());
    }

    [Fact]
    public void OpenWeights_ShardedIndex_ReadsAcrossShards()
    {
        using var dir = new TempDir();
        SafetensorsWriter.Write(dir.File("model-00001-of-00002.safetensors"), [("a", Tensor.FromArray([1f, 2f], 2)), ("unlisted", Tensor.Zeros(1))]);
        SafetensorsWriter.Write(dir.File("model-00002-of-00002.safetensors"), [("b", Tensor.FromArray([3f], 1))], dtype: SafetensorsDType.BF16);
        WriteIndex(dir, new JsonObject { ["b"] = "model-00002-of-00002.safetensors", ["a"] = "model-00001-of-00002.safetensors" });

        using var weights = ModelDirectory.Open(dir.Path).OpenWeights();
        var sharded = Assert.IsType<ShardedSafetensors>(weights);
        Assert.Equal(2, sharded.Shards.Count);
        Assert.Equal(["a", "b"], weights.Names);
        Assert.False(weights.Contains("unlisted"));
        Assert.Equal([1f, 2f], weights.ReadTensor("a").ToArray());
        var b = new float[1];
        weights.ReadInto("b", b);
        Assert.Equal([3f], b);
        Assert.Equal(SafetensorsDType.BF16, weights.GetInfo("b").DType);
        Assert.Contains("no tensor named 'c' in weight_map", Assert.Throws<InputException>(() => weights.ReadTensor("c")).Message);
    }

    [Fact]
    public void OpenWeights_IndexNamesMissingTensorOrShard_Throws()
    {
        using var dir = new TempDir();
        SafetensorsWriter.Write(dir.File("s1.safetensors"), [("a", Tensor.Zeros(1))]);
        WriteIndex(dir, new JsonObject { ["z"] = "s1.safetensors" });
        var model = ModelDirectory.Open(dir.Path);
        Assert.EndsWith("weight_map puts 'z' in s1.safetensors, which has no such tensor", Assert.Throws<InputException>(() => model.OpenWeights()).Message);

        WriteIndex(dir, new JsonObject { ["a"] = "s2.safetensors" });
        Assert.EndsWith("s2.safetensors: file not found", Assert.Throws<InputException>(() => model.OpenWeights()).Message);

        WriteIndex(dir, new JsonObject { ["a"] = "../s1.safetensors" });
        Assert.Contains("is not a plain file name", Assert.Throws<InputException>(() => model.OpenWeights()).Message);

        WriteIndex(dir, new JsonObject { ["a"] = 3 });
        Assert.Contains("weight_map entry 'a' must be a file name, got 3", Assert.Throws<InputException>(() => model.OpenWeights()).Message);
    }

    [Fact]
    public void Open_MissingPieces_ThrowClearErrors()
    {
        using var dir = new TempDir();
        Assert.EndsWith("model folder not found", Assert.Throws<InputException>(() => ModelDirectory.Open(dir.File("nope"))).Message);

        var model = ModelDirectory.Open(dir.Path);
        Assert.EndsWith("config.json: file not found; a Hugging Face model folder needs config.json", Assert.Throws<InputException>(() => model.LoadConfig()).Message);
        Assert.Equal($"{dir.Path}: no weights: expected model.safetensors or model.safetensors.index.json",
            Assert.Throws<InputException>(() => model.OpenWeights()).Message);

        File.WriteAllText(dir.File("pytorch_model.bin"), "");
        Assert.EndsWith("pytorch_model.bin is not supported, convert it to safetensors", Assert.Throws<InputException>(() => model.OpenWeights()).Message);
    }
}
