using Interrogate.Formats;
using Interrogate.Models.Generation;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tests.Models.Families;

/// <summary>What every family must do besides matching the reference: cache, padding, hooks, pruning widths, files.</summary>
public class FamilyBehaviourTests
{
    private const float Tolerance = 2e-5f;

    /// <summary>Dynamic NTK scaling changes every frequency once a pass runs past the original context, so cached keys
    /// (rotated earlier) and recomputed ones differ there, in Hugging Face as here; within the context they agree.</summary>
    private static int CacheLength(string variant) => variant == "llama-dynamic" ? 8 : 13;

    [Theory]
    [MemberData(nameof(FamilyKit.All), MemberType = typeof(FamilyKit))]
    public void Forward_WithCache_MatchesRecomputation(string variant)
    {
        var model = FamilyKit.Build(variant);
        int v = model.Dimensions.VocabSize;
        var sequence = ModelKit.RandomIds(CacheLength(variant), v, 7);
        using var _ = GradientTape.NoGrad();
        var full = model.Forward(sequence).ToArray();   // [1, n, V]
        var cache = new KeyValueCache(model.Dimensions.Layers);
        var first = model.Forward(TokenBatch.Single(sequence[..3]), cache).ToArray();
        Assert.True(ModelKit.MaxAbsDiff(first, full.AsSpan(0, 3 * v)) < Tolerance);
        for (int n = 3; n < sequence.Length; n++)
        {
            var step = model.Forward(TokenBatch.Single(sequence[n]), cache).ToArray();   // [1, 1, V]
            float diff = ModelKit.MaxAbsDiff(step, full.AsSpan(n * v, v));
            Assert.True(diff < Tolerance, $"{variant} token {n}: cached logits differ from recomputation by {diff}");
        }
    }

    [Theory]
    [MemberData(nameof(FamilyKit.All), MemberType = typeof(FamilyKit))]
    public void Generate_Cached_EqualsUncached(string variant)
    {
        var model = FamilyKit.Build(variant, 2);
        var prompt = ModelKit.RandomIds(3, model.Dimensions.VocabSize, 8);
        var options = new GenerationOptions { MaxNewTokens = CacheLength(variant) - 3, Temperature = 0.9f, Seed = 4, StopAtEos = false };
        var cached = Generator.Generate(model, prompt, options with { UseCache = true });
        var uncached = Generator.Generate(model, prompt, options with { UseCache = false });
        Assert.Equal(uncached.Tokens, cached.Tokens);
        Assert.Equal(CacheLength(variant) - 3, cached.Tokens.Length);
    }

    [Theory]
    [MemberData(nameof(FamilyKit.All), MemberType = typeof(FamilyKit))]
    public void Forward_PaddedBatch_MatchesEachSequenceAlone(string variant)
    {
        var model = FamilyKit.Build(variant);
        int v = model.Dimensions.VocabSize;
        int[][] sequences = [ModelKit.RandomIds(9, v, 1), ModelKit.RandomIds(3, v, 2), ModelKit.RandomIds(7, v, 3)];
        using var _ = GradientTape.NoGrad();
        foreach (var side in new[] { PaddingSide.Left, PaddingSide.Right })
        {
            var batch = TokenBatch.Pad(sequences, side, padId: 0);
            var logits = model.Forward(batch).ToArray();
            for (int i = 0; i < sequences.Length; i++)
            {
                var alone = model.Forward(sequences[i]).ToArray();
                int start = side == PaddingSide.Left ? batch.Length - sequences[i].Length : 0;
                float diff = ModelKit.MaxAbsDiff(logits.AsSpan((i * batch.Length + start) * v, sequences[i].Length * v), alone);
                Assert.True(diff < Tolerance, $"{variant} {side} row {i}: padded logits differ by {diff}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(FamilyKit.All), MemberType = typeof(FamilyKit))]
    public void Forward_LeftPaddedThenCached_ContinuesEachRow(string variant)
    {
        var model = FamilyKit.Build(variant, 5);
        int v = model.Dimensions.VocabSize;
        int[][] prompts = [ModelKit.RandomIds(7, v, 4), ModelKit.RandomIds(2, v, 5)];
        using var _ = GradientTape.NoGrad();
        var cache = new KeyValueCache(model.Dimensions.Layers);
        model.Forward(TokenBatch.Pad(prompts, PaddingSide.Left), cache);
        var step = model.Forward(new TokenBatch([7, 9], 2, 1), cache).ToArray();   // [2, 1, V]
        for (int i = 0; i < 2; i++)
        {
            var alone = model.Forward([.. prompts[i], i == 0 ? 7 : 9]).ToArray();
            float diff = ModelKit.MaxAbsDiff(step.AsSpan(i * v, v), alone.AsSpan(prompts[i].Length * v, v));
            Assert.True(diff < Tolerance, $"{variant} row {i}: {diff}");
        }
    }

    [Theory]
    [MemberData(nameof(FamilyKit.All), MemberType = typeof(FamilyKit))]
    public void SaveLoad_PerLayerWidths_KeepsWidthsAndLogits(string variant)
    {
        var pruned = FamilyKit.Pruned(variant);
        using var dir = new TempDir();
        var loaded = FamilyKit.RoundTrip(pruned, dir.Path);
        Assert.Equal(pruned.ModelType, loaded.ModelType);
        Assert.Equal(pruned.Dimensions.MlpWidths, loaded.Dimensions.MlpWidths);
        var ids = ModelKit.RandomIds(10, pruned.Dimensions.VocabSize, 3);
        using var _ = GradientTape.NoGrad();
        Assert.Equal(pruned.Forward(ids).ToArray(), loaded.Forward(ids).ToArray());
    }

    [Theory]
    [MemberData(nameof(FamilyKit.All), MemberType = typeof(FamilyKit))]
    public void SaveStandard_PerLayerWidths_PadsWithDeadUnitsToAStandardConfig(string variant)
    {
        var pruned = FamilyKit.Pruned(variant);
        using var dir = new TempDir();
        pruned.SaveStandard(dir.Path);
        var config = HfConfig.Load(Path.Combine(dir.Path, "config.json"));
        Assert.DoesNotContain(config.Json, p => p.Key.EndsWith("_per_layer", StringComparison.Ordinal));
        var loaded = TransformerLoader.FromDirectory(dir.Path);
        Assert.All(loaded.Dimensions.MlpWidths, w => Assert.Equal(11, w));
        var ids = ModelKit.RandomIds(10, pruned.Dimensions.VocabSize, 3);
        using var _ = GradientTape.NoGrad();
        float diff = ModelKit.MaxAbsDiff(pruned.Forward(ids).ToArray(), loaded.Forward(ids).ToArray());
        Assert.True(diff < Tolerance, $"{variant}: padded model's logits differ from the pruned model's by {diff}");

        using var perLayer = new TempDir();
        pruned.SaveStandard(perLayer.Path, perLayerWidths: true);
        Assert.Equal(pruned.Dimensions.MlpWidths, TransformerLoader.FromDirectory(perLayer.Path).Dimensions.MlpWidths);
    }

    [Theory]
    [InlineData("gemma2-softcap-window")]
    [InlineData("phi3-partial-window")]
    [InlineData("pythia-parallel")]
    public void Load_ShardedCheckpoint_SameLogitsAsSingleFile(string variant)
    {
        var model = FamilyKit.Build(variant);
        using var dir = new TempDir();
        model.Save(dir.Path);
        var single = Path.Combine(dir.Path, "model.safetensors");
        var tensors = new List<(string Name, Interrogate.Tensors.Tensor Tensor)>();
        using (var file = SafetensorsFile.Open(single))
            tensors.AddRange(file.Names.Select(n => (n, file.ReadTensor(n))));
        File.Delete(single);
        var map = new System.Text.Json.Nodes.JsonObject();
        for (int shard = 0; shard < 2; shard++)
        {
            var name = $"model-0000{shard + 1}-of-00002.safetensors";
            var part = tensors.Where((_, i) => i % 2 == shard).ToList();
            SafetensorsWriter.Write(Path.Combine(dir.Path, name), part);
            foreach (var (tensor, _) in part) map[tensor] = name;
        }
        File.WriteAllText(Path.Combine(dir.Path, "model.safetensors.index.json"),
            new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject(), ["weight_map"] = map }.ToJsonString());
        var loaded = TransformerLoader.FromDirectory(dir.Path);
        var ids = ModelKit.RandomIds(9, model.Dimensions.VocabSize, 2);
        using var _ = GradientTape.NoGrad();
        Assert.Equal(model.Forward(ids).ToArray(), loaded.Forward(ids).ToArray());
    }

    [Fact]
    public void HookPoints_Gemma2AndParallelNeoX_FollowTheirBlocks()
    {
        var gemma2 = FamilyKit.Build("gemma2-softcap-window").DescribeHookPoints(1, 4).Select(h => h.Name).ToHashSet();
        Assert.Contains("blocks.0.ln1_post.hook_normalized", gemma2);
        Assert.Contains("blocks.2.ln2_post.hook_normalized", gemma2);
        Assert.Contains("blocks.1.hook_resid_mid", gemma2);
        var neox = FamilyKit.Build("pythia-parallel").DescribeHookPoints(1, 4).Select(h => h.Name).ToHashSet();
        Assert.DoesNotContain("blocks.0.hook_resid_mid", neox);
        Assert.Contains("blocks.1.attn.hook_rot_k", neox);
        Assert.Contains("blocks.1.mlp.hook_post", neox);
    }

    [Fact]
    public void HookPattern_SlidingLayer_IsZeroOutsideTheWindowAndRowsSumToOne()
    {
        var model = FamilyKit.Build("gemma2-softcap-window");
        var ids = ModelKit.RandomIds(12, model.Dimensions.VocabSize, 6);
        using var hooks = new HookScope().Cache("blocks.0.attn.hook_pattern", "blocks.1.attn.hook_pattern");
        using var _ = GradientTape.NoGrad();
        model.Forward(ids);
        var sliding = hooks.Cached["blocks.0.attn.hook_pattern"].ToArray();   // [1, H, 12, 12]
        var global = hooks.Cached["blocks.1.attn.hook_pattern"].ToArray();
        for (int h = 0; h < 4; h++)
            for (int q = 0; q < 12; q++)
            {
                double rowSum = 0;
                for (int k = 0; k < 12; k++)
                {
                    float p = sliding[(h * 12 + q) * 12 + k];
                    rowSum += p;
                    if (k > q || q - k >= FamilyKit.Window) Assert.Equal(0f, p);
                    else Assert.True(p > 0f);
                    if (k <= q) Assert.True(global[(h * 12 + q) * 12 + k] > 0f);
                }
                Assert.Equal(1.0, rowSum, 5);
            }
    }

    [Fact]
    public void Load_Llama32Config_ReadsScalingTiedEmbeddingsAndEosList()
    {
        using var dir = new TempDir();
        var model = FamilyKit.Build("llama3-tied-gqa");
        model.Save(dir.Path);
        var configPath = Path.Combine(dir.Path, "config.json");
        var json = HfConfig.Load(configPath).Json;
        // As Meta ships it: the older "type"-less form with rope_type, and eos_token_id as a list.
        json["eos_token_id"] = new System.Text.Json.Nodes.JsonArray(2, 7, 9);
        json["rope_scaling"] = System.Text.Json.Nodes.JsonNode.Parse(
            """{"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 1024, "rope_type": "llama3"}""");
        File.WriteAllText(configPath, json.ToJsonString());
        var loaded = TransformerLoader.FromDirectory(dir.Path);
        Assert.True(loaded.TiedEmbeddings);
        Assert.Equal(2, loaded.EosId);
        var ids = ModelKit.RandomIds(9, 43, 2);
        using var _ = GradientTape.NoGrad();
        Assert.Equal(model.Forward(ids).ToArray(), loaded.Forward(ids).ToArray());
    }

    [Theory]
    [InlineData("""{"rope_type": "longrope", "factor": 4.0}""", "rope_scaling type 'longrope' is not supported")]
    [InlineData("""{"type": "su", "factor": 4.0}""", "rope_scaling type 'su' is not supported")]
    [InlineData("""{"rope_type": "llama3", "factor": 8.0}""", "needs 'original_max_position_embeddings'")]
    [InlineData("""{"rope_type": "linear"}""", "needs a 'factor'")]
    [InlineData("""{"rope_type": "linear", "factor": 0.5}""", "must be at least 1")]
    [InlineData("\"linear\"", "must be an object or null")]
    public void Load_BadRopeScaling_IsInputExceptionNamingConfig(string scaling, string message)
    {
        using var dir = new TempDir();
        FamilyKit.Build("llama-linear").Save(dir.Path);
        var configPath = Path.Combine(dir.Path, "config.json");
        var json = HfConfig.Load(configPath).Json;
        json["rope_scaling"] = System.Text.Json.Nodes.JsonNode.Parse(scaling);
        File.WriteAllText(configPath, json.ToJsonString());
        var e = Assert.Throws<InputException>(() => TransformerLoader.FromDirectory(dir.Path));
        Assert.Contains(configPath, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("gemma2-softcap-window", "layer_types", "[\"sliding_attention\"]", "layer_types lists 1 layers but num_hidden_layers is 3")]
    [InlineData("gemma2-softcap-window", "layer_types", "[\"sliding_attention\", \"chunked\", \"full_attention\"]", "layer_types entry 'chunked' is not supported")]
    [InlineData("phi3-partial-window", "partial_rotary_factor", "0.2", "partial_rotary_factor 0.2 must give an even number")]
    [InlineData("pythia-parallel", "rotary_pct", "0", "rotary_pct 0 must give an even, positive number")]
    [InlineData("gemma", "tie_word_embeddings", "false", "'tie_word_embeddings': false is not supported for Gemma")]
    public void Load_BadFamilyKey_IsInputExceptionNamingConfig(string variant, string key, string value, string message)
    {
        using var dir = new TempDir();
        FamilyKit.Build(variant).Save(dir.Path);
        var configPath = Path.Combine(dir.Path, "config.json");
        var json = HfConfig.Load(configPath).Json;
        json[key] = System.Text.Json.Nodes.JsonNode.Parse(value);
        File.WriteAllText(configPath, json.ToJsonString());
        var e = Assert.Throws<InputException>(() => TransformerLoader.FromDirectory(dir.Path));
        Assert.Contains(configPath, e.Message);
        Assert.Contains(message, e.Message);
    }
}
