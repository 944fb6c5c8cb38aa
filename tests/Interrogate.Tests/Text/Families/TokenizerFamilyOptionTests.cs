using System.Text.Json.Nodes;
using Interrogate.Text;

namespace Interrogate.Tests.Text.Families;

/// <summary>The normalizers, Split refusal and tokenizer_config.json special tokens of the newer families.</summary>
public class TokenizerFamilyOptionTests
{
    private static string WithNormalizer(string json, string normalizer)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        root["normalizer"] = JsonNode.Parse(normalizer);
        return root.ToJsonString();
    }

    [Fact]
    public void Nfc_DecomposedAccent_EncodesAsComposed()
    {
        using var dir = new TempDir();
        var tokenizer = TokenizerJson.Load(dir.File("tokenizer.json", WithNormalizer(TokenizerJsonFixtures.ByteLevel(), """{"type":"NFC"}""")));
        Assert.Equal(tokenizer.Encode("caf\u00E9"), tokenizer.Encode("cafe\u0301"));
        Assert.Equal([.. "caf\u00E9"u8.ToArray()], tokenizer.DecodeBytes(tokenizer.Encode("cafe\u0301")));
    }

    [Fact]
    public void NoNormalizer_DecomposedAccent_KeepsItsBytes()
    {
        using var dir = new TempDir();
        var tokenizer = TokenizerJson.Load(dir.File("tokenizer.json", TokenizerJsonFixtures.ByteLevel()));
        Assert.NotEqual(tokenizer.Encode("caf\u00E9"), tokenizer.Encode("cafe\u0301"));
    }

    [Fact]
    public void Split_UnknownRegex_IsInputExceptionNamingFile()
    {
        using var dir = new TempDir();
        var root = JsonNode.Parse(TokenizerJsonFixtures.ByteLevel())!.AsObject();
        root["pre_tokenizer"] = JsonNode.Parse("""
            {"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"\\d+"},"behavior":"Isolated","invert":false},
              {"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":false}]}
            """);
        var path = dir.File("tokenizer.json", root.ToJsonString());
        var e = Assert.Throws<InputException>(() => TokenizerJson.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("only the Llama 3 and Qwen 2 patterns", e.Message);
    }

    [Fact]
    public void TokenizerConfig_NamesSpecialTokens_OverridesGuesses()
    {
        using var dir = new TempDir();
        dir.File("tokenizer.json", TokenizerJsonFixtures.Llama());
        dir.File("tokenizer_config.json", """{"bos_token": null, "eos_token": {"content": "<unk>", "special": true}, "pad_token": "</s>"}""");
        var tokenizer = TokenizerLoader.FromDirectory(dir.Path);
        Assert.Null(tokenizer.BosId);
        Assert.Equal(TokenizerJsonFixtures.Unk, tokenizer.EosId);
        Assert.Equal(TokenizerJsonFixtures.Eos, tokenizer.PadId);
    }

    [Fact]
    public void TokenizerConfig_Absent_KeepsGuesses()
    {
        using var dir = new TempDir();
        dir.File("tokenizer.json", TokenizerJsonFixtures.Llama());
        var tokenizer = TokenizerLoader.FromDirectory(dir.Path);
        Assert.Equal(TokenizerJsonFixtures.Bos, tokenizer.BosId);
        Assert.Equal(TokenizerJsonFixtures.Eos, tokenizer.EosId);
    }

    [Fact]
    public void TokenizerConfig_UnknownToken_IsInputExceptionNamingConfig()
    {
        using var dir = new TempDir();
        dir.File("tokenizer.json", TokenizerJsonFixtures.Llama());
        var config = dir.File("tokenizer_config.json", """{"eos_token": "<|eot_id|>"}""");
        var e = Assert.Throws<InputException>(() => TokenizerLoader.FromDirectory(dir.Path));
        Assert.Contains(config, e.Message);
        Assert.Contains("<|eot_id|>", e.Message);
    }
}
