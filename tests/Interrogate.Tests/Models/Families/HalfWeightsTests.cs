using Interrogate.Formats;
using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tests.Models.Families;

/// <summary>
/// bfloat16 and float16 checkpoints stay mapped in their own encoding: the weight matrices are read
/// in place by the kernels, the logits equal those of the same weights converted to float32 (the
/// arithmetic after conversion is the same), and loading allocates no float32 copy.
/// </summary>
public class HalfWeightsTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var variant in new[] { "llama3-tied-gqa", "qwen2-bias-tied-window", "gemma2-softcap-window", "phi3-partial-window", "pythia-parallel" })
            foreach (var dtype in new[] { "BF16", "F16" })
                data.Add(variant, dtype);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Load_HalfCheckpoint_MatricesMappedAndLogitsEqualConvertedModel(string variant, string dtype)
    {
        using var dir = new TempDir();
        SaveAs(FamilyKit.Build(variant), dir.Path, dtype == "BF16" ? SafetensorsDType.BF16 : SafetensorsDType.F16);
        var mapped = TransformerLoader.FromDirectory(dir.Path);
        var matrices = mapped.NamedParameters().Where(p => p.Tensor.Rank == 2).ToList();
        Assert.All(matrices, p => Assert.True(p.Tensor.Half is not null, $"{p.Name} was copied to float32"));
        var converted = TransformerLoader.FromDirectory(dir.Path);
        foreach (var (_, p) in converted.NamedParameters()) GC.KeepAlive(p.Storage);   // every parameter to float32 now
        Assert.All(converted.NamedParameters(), p => Assert.Null(p.Tensor.Half));
        var ids = ModelKit.RandomIds(2 * 9, mapped.Dimensions.VocabSize, 4);
        using var _ = GradientTape.NoGrad();
        Assert.Equal(converted.Forward(new TokenBatch(ids, 2, 9)).ToArray(), mapped.Forward(new TokenBatch(ids, 2, 9)).ToArray());
    }

    [Fact]
    public void Load_ShardedBFloat16_MappedAndSameLogitsAsSingleFile()
    {
        using var dir = new TempDir();
        using var single = new TempDir();
        var model = FamilyKit.Build("gemma2-softcap-window");
        SaveAs(model, single.Path, SafetensorsDType.BF16);
        SaveAs(model, dir.Path, SafetensorsDType.BF16);
        var path = Path.Combine(dir.Path, "model.safetensors");
        var tensors = new List<(string Name, Interrogate.Tensors.Tensor Tensor)>();
        using (var file = SafetensorsFile.Open(path))
            tensors.AddRange(file.Names.Select(n => (n, file.ReadTensor(n))));
        File.Delete(path);
        var map = new System.Text.Json.Nodes.JsonObject();
        for (int shard = 0; shard < 2; shard++)
        {
            var name = $"model-0000{shard + 1}-of-00002.safetensors";
            var part = tensors.Where((_, i) => i % 2 == shard).ToList();
            SafetensorsWriter.Write(Path.Combine(dir.Path, name), part, dtype: SafetensorsDType.BF16);
            foreach (var (tensor, _) in part) map[tensor] = name;
        }
        File.WriteAllText(Path.Combine(dir.Path, "model.safetensors.index.json"),
            new System.Text.Json.Nodes.JsonObject { ["weight_map"] = map }.ToJsonString());
        var sharded = TransformerLoader.FromDirectory(dir.Path);
        Assert.All(sharded.NamedParameters().Where(p => p.Tensor.Rank == 2), p => Assert.NotNull(p.Tensor.Half));
        var ids = ModelKit.RandomIds(9, model.Dimensions.VocabSize, 2);
        using var _ = GradientTape.NoGrad();
        Assert.Equal(TransformerLoader.FromDirectory(single.Path).Forward(ids).ToArray(), sharded.Forward(ids).ToArray());
    }

    [Fact]
    public void Load_BFloat16Checkpoint_AllocatesFarLessThanAFloat32Copy()
    {
        using var bf16 = new TempDir();
        using var f32 = new TempDir();
        var model = new Interrogate.Models.Llama.LlamaModel(new Interrogate.Models.Llama.LlamaConfig
        {
            VocabSize = 2000, ContextLength = 64, DModel = 128, Layers = 2, Heads = 4, KeyValueHeads = 2, HeadDim = 32, Intermediate = 512, RmsNormEps = 1e-5f,
        }, seed: 3);
        SaveAs(model, bf16.Path, SafetensorsDType.BF16);
        model.Save(f32.Path);
        long floatBytes = 4L * model.NamedParameters().Sum(p => (long)p.Tensor.Size);
        long Allocated(string path)
        {
            TransformerLoader.FromDirectory(path);   // warm: JIT and static tables
            long before = GC.GetAllocatedBytesForCurrentThread();
            GC.KeepAlive(TransformerLoader.FromDirectory(path));
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        long mappedBytes = Allocated(bf16.Path), copiedBytes = Allocated(f32.Path);
        Assert.True(copiedBytes >= floatBytes, $"the float32 load allocated {copiedBytes:N0} bytes for {floatBytes:N0} bytes of parameters: the measurement does not see copies");
        Assert.True(mappedBytes < floatBytes / 10, $"the bfloat16 load allocated {mappedBytes:N0} bytes; a float32 copy is {floatBytes:N0}");
    }

    private static void SaveAs(CausalLanguageModel model, string directory, SafetensorsDType dtype)
    {
        model.Save(directory);
        var path = Path.Combine(directory, "model.safetensors");
        List<(string, Interrogate.Tensors.Tensor)> tensors;
        using (var file = SafetensorsFile.Open(path)) tensors = [.. file.Names.Select(n => (n, file.ReadTensor(n)))];
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" }, dtype);
    }
}
