using Interrogate.Formats;

namespace Interrogate.Tests.Formats;

public class HfConfigTests
{
    private const string Gpt2 = """
        {
          "architectures": ["GPT2LMHeadModel"],
          "model_type": "gpt2",
          "n_embd": 768,
          "n_layer": 12.0,
          "n_inner": null,
          "layer_norm_epsilon": 1e-05,
          "name": "abc",
          "tie_word_embeddings": true,
          "eos_token_id": 50256,
          "bad_int": "abc",
          "zero": 0
        }
        """;

    private static HfConfig Config() => HfConfig.Parse(Gpt2);

    [Fact]
    public void Getters_PresentValues_ReturnTyped()
    {
        var c = Config();
        Assert.Equal(768, c.GetPositiveInt("n_embd"));
        Assert.Equal(12, c.GetInt("n_layer"));
        Assert.Equal(1e-5, c.GetDouble("layer_norm_epsilon"));
        Assert.Equal("abc", c.GetString("name"));
        Assert.True(c.GetBool("tie_word_embeddings"));
        Assert.Equal([50256], c.TryGetIntList("eos_token_id")!);
        Assert.Equal(["GPT2LMHeadModel"], c.TryGetStringList("architectures")!);
    }

    [Fact]
    public void Getters_AlternativeKeys_UseFirstPresentNonNull()
    {
        var c = Config();
        Assert.Equal(768, c.GetPositiveInt("hidden_size", "n_embd"));
        Assert.Equal(3072, c.TryGetPositiveInt("n_inner", "intermediate_size") ?? 4 * 768);
        Assert.Null(c.TryGetInt("n_inner"));
        Assert.False(c.Has("n_inner"));
        Assert.True(c.Has("n_embd"));
    }

    [Fact]
    public void GetInt_Missing_ThrowsNamingFileAndKeys()
    {
        var c = Config();
        Assert.Equal("config.json: key 'n_head' is missing", Assert.Throws<InputException>(() => c.GetInt("n_head")).Message);
        Assert.Equal("config.json: key 'num_attention_heads' (or 'n_head') is missing",
            Assert.Throws<InputException>(() => c.GetPositiveInt("num_attention_heads", "n_head")).Message);
        Assert.Equal("config.json: key 'n_inner' is null, expected an integer", Assert.Throws<InputException>(() => c.GetInt("n_inner")).Message);
    }

    [Fact]
    public void Getters_WrongType_ThrowNamingValue()
    {
        var c = Config();
        Assert.Equal("config.json: key 'bad_int' must be a positive integer, got \"abc\"", Assert.Throws<InputException>(() => c.GetPositiveInt("bad_int")).Message);
        Assert.Equal("config.json: key 'zero' must be a positive integer, got 0", Assert.Throws<InputException>(() => c.GetPositiveInt("zero")).Message);
        Assert.Equal("config.json: key 'layer_norm_epsilon' must be an integer, got 1e-05", Assert.Throws<InputException>(() => c.GetInt("layer_norm_epsilon")).Message);
        Assert.Throws<InputException>(() => c.GetString("n_embd"));
        Assert.Throws<InputException>(() => c.GetBool("name"));
        Assert.Throws<InputException>(() => c.TryGetStringList("name"));
    }

    [Fact]
    public void DetectModelType_FromModelTypeOrArchitectures()
    {
        Assert.Equal("gpt2", Config().DetectModelType());
        Assert.Equal("llama", HfConfig.Parse("""{"architectures":["LlamaForCausalLM"]}""").DetectModelType());
        Assert.Equal("gpt2", HfConfig.Parse("""{"architectures":["GPT2LMHeadModel"]}""").DetectModelType());
        Assert.Equal("config.json: cannot tell the model type: neither 'model_type' nor 'architectures' is set",
            Assert.Throws<InputException>(() => HfConfig.Parse("{}").DetectModelType()).Message);
    }

    [Theory]
    [InlineData("{\n  \"a\": 1,\n  \"b\" 2\n}", "config.json: not valid JSON at line 3, position 7")]
    [InlineData("{\"a\": 1,}", "config.json: not valid JSON at line 1")]
    [InlineData("{\"a\": 1, \"a\": 2}", "config.json: not valid JSON at line 1")]
    [InlineData("[1, 2]", "config.json: expected a JSON object at the top level, got array")]
    [InlineData("", "config.json: not valid JSON at line 1, position 1")]
    [InlineData("{\"a\": \"\\uD800\"}", "config.json: has a string that is not valid Unicode")]
    public void Parse_Malformed_ThrowsOneLineWithPosition(string json, string expectedStart)
    {
        var e = Assert.Throws<InputException>(() => HfConfig.Parse(json));
        Assert.StartsWith(expectedStart, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void Save_ThenLoad_RoundTripsIncludingNull()
    {
        using var dir = new TempDir();
        var path = dir.File("out/config.json");
        Config().Set("n_layer", 6).Set("extra", null).Save(path);
        var loaded = HfConfig.Load(path);
        Assert.Equal(path, loaded.Path);
        Assert.Equal(6, loaded.GetInt("n_layer"));
        Assert.Equal(768, loaded.GetInt("n_embd"));
        Assert.True(loaded.Json.ContainsKey("extra"));
        Assert.Null(loaded.TryGetString("extra"));
        Assert.EndsWith("}\n", File.ReadAllText(path));
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        using var dir = new TempDir();
        var path = dir.File("config.json");
        Assert.Equal($"{path}: file not found", Assert.Throws<InputException>(() => HfConfig.Load(path)).Message);
    }
}
