using System.Text.Json;
using Interrogate.Models.Transformer;
using Interrogate.Text;

namespace Interrogate.Tests.Cli;

/// <summary>`train gpt` and `tokenizer train` end to end on a generated three-document folder, with the tiny preset.</summary>
public sealed class TrainGptCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("interrogate-traingpt-").FullName;
    private string Corpus => Path.Combine(_root, "corpus");
    private string Cache => Path.Combine(_root, "cache");

    public TrainGptCliTests()
    {
        string[] words = ["the", "whale", "ship", "sea", "Captain", "Ahab", "said", "and", "of", "to", "a", "white", "long", "voyage", "Ishmael"];
        var rng = new Interrogate.Tensors.TensorRandom(3);
        for (int d = 0; d < 3; d++)
        {
            var text = string.Join(" ", Enumerable.Range(0, 1500).Select(i => words[rng.NextInt(words.Length)] + (i % 12 == 11 ? "." : "")));
            Directory.CreateDirectory(Corpus);
            File.WriteAllText(Path.Combine(Corpus, $"doc{d}.txt"), text);
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void TrainGpt_TinyPreset_WritesLoadableFolderAndRefusesResumeWithOtherSeed()
    {
        var outDir = Path.Combine(_root, "model");
        var r = CliRunner.Run("train", "gpt", "--corpus", Corpus, "--preset", "tiny", "--steps", "4", "--eval-every", "2",
            "--out", outDir, "--data-dir", Cache, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        Assert.Equal(4, json.RootElement.GetProperty("steps").GetInt32());
        foreach (var key in new[] { "validation_loss", "unigram_loss", "bigram_loss" })
            Assert.InRange(json.RootElement.GetProperty(key).GetDouble(), 0.5, Math.Log(512) + 1);
        var model = TransformerLoader.FromDirectory(outDir);
        var tokenizer = TokenizerLoader.FromDirectory(outDir);
        Assert.Equal(tokenizer.VocabSize, model.Dimensions.VocabSize);
        Assert.Contains("train gpt --corpus", File.ReadAllText(Path.Combine(outDir, "TRAINING.md")));
        Assert.Equal(6, File.ReadAllLines(Path.Combine(outDir, "train_log.jsonl")).Length); // 4 steps + 2 validations

        var resumed = CliRunner.Run("train", "gpt", "--corpus", Corpus, "--preset", "tiny", "--steps", "4", "--eval-every", "2",
            "--out", outDir, "--data-dir", Cache, "--resume", "--seed", "1");
        CliRunner.AssertBadInput(resumed, "different configuration");
    }

    [Fact]
    public void TokenizerTrain_FolderWithNonUtf8File_WarnsAndWritesLoadableTokenizer()
    {
        File.WriteAllBytes(Path.Combine(Corpus, "latin1.txt"), [0x63, 0x61, 0x66, 0xE9]);
        var outDir = Path.Combine(_root, "tok");
        var r = CliRunner.Run("tokenizer", "train", "--corpus", Corpus, "--vocab", "300", "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("latin1.txt", r.Stderr);
        var tokenizer = TokenizerLoader.FromDirectory(outDir);
        Assert.Equal(300, tokenizer.VocabSize);
        Assert.Equal("Captain Ahab said.", tokenizer.Decode(tokenizer.Encode("Captain Ahab said.")));
    }

    [Fact]
    public void TrainGpt_EmptyFolder_ExitsTwoNamingFolder()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;
        CliRunner.AssertBadInput(CliRunner.Run("train", "gpt", "--corpus", empty, "--preset", "tiny", "--out", Path.Combine(_root, "o")), "empty");
    }

    [Fact]
    public void TokenizerTrain_OnlyNonUtf8Files_ExitsTwo()
    {
        var bad = Directory.CreateDirectory(Path.Combine(_root, "bad")).FullName;
        File.WriteAllBytes(Path.Combine(bad, "x.txt"), [0xFF, 0xFE, 0x00]);
        CliRunner.AssertBadInput(CliRunner.Run("tokenizer", "train", "--corpus", bad, "--out", Path.Combine(_root, "o")), "UTF-8");
    }

    [Fact]
    public void TrainGpt_UnknownCorpusName_ExitsTwo() =>
        CliRunner.AssertBadInput(CliRunner.Run("train", "gpt", "--corpus", "shakespeare-xyz", "--out", Path.Combine(_root, "o")), "--corpus");

    [Fact]
    public void TrainGpt_UnknownPreset_ExitsTwo() =>
        CliRunner.AssertBadInput(CliRunner.Run("train", "gpt", "--corpus", Corpus, "--preset", "huge", "--out", Path.Combine(_root, "o")), "--preset");
}
