using Interrogate.Models.Gpt2;
using Interrogate.Models.Mlp;
using Interrogate.Tensors;
using Interrogate.Text;
using Interrogate.Text.Training;

namespace Interrogate.Tests.Fuzz;

/// <summary>
/// The healthy inputs every fuzz case starts from, built once: a tiny GPT-2 folder with its own
/// 300-token byte-level BPE, an MNIST MLP folder, a ten-document corpus, a text file, and an
/// activation store recorded from the tiny model. Cases copy what they damage into their own folder.
/// </summary>
public sealed class FuzzFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("interrogate-fuzz-").FullName;
    public string Gpt => Path.Combine(Root, "gpt");
    public string Mlp => Path.Combine(Root, "mlp");
    public string Corpus => Path.Combine(Root, "corpus");
    public string TextFile => Path.Combine(Root, "text.txt");
    public string Store => Path.Combine(Root, "store");
    public string Cache => Path.Combine(Root, "cache");
    public const string Hook = "blocks.1.mlp.hook_post";
    /// <summary>Two prompts of the same token count that differ in one word, for `patch`.</summary>
    public (string Clean, string Corrupted) PatchPair { get; }

    public FuzzFixture()
    {
        string[] words = ["the", "whale", "ship", "sea", "Captain", "Ahab", "said", "and", "of", "to", "a", "white", "long", "voyage", "Ishmael", "1851"];
        var rng = new TensorRandom(16);
        Directory.CreateDirectory(Corpus);
        for (int d = 0; d < 10; d++)
            File.WriteAllText(Path.Combine(Corpus, $"doc{d}.txt"),
                string.Join(" ", Enumerable.Range(0, 400).Select(i => words[rng.NextInt(words.Length)] + (i % 9 == 8 ? "." : ""))));
        File.WriteAllText(TextFile, "Captain Ahab said the white whale and the sea. The ship of Ishmael. The long voyage of the white ship, said Ahab, and the sea.");

        Directory.CreateDirectory(Gpt);
        var tokenizer = BpeTrainer.Train(Directory.GetFiles(Corpus).Select(File.ReadAllText), 300);
        TokenizerJson.Write(tokenizer, Path.Combine(Gpt, "tokenizer.json"));
        int eos = TokenizerLoader.FromDirectory(Gpt).EosId ?? throw new InvalidOperationException("trained tokenizer has no <|endoftext|>");
        new Gpt2Model(new Gpt2Config { VocabSize = tokenizer.VocabSize, DModel = 16, Layers = 2, Heads = 2, ContextLength = 16, BosId = eos, EosId = eos }, seed: 7)
            .Save(Gpt);

        var loaded = TokenizerLoader.FromDirectory(Gpt);
        var single = words.Where(w => loaded.Encode(" " + w).Length == 1).ToList();
        PatchPair = ($"the sea said{" " + single[0]}", $"the sea said{" " + single[1]}");
        MlpStore.Save(new MlpClassifier(new MlpConfig { HiddenSizes = [8] }, 3), Mlp);

        var r = InProcessCli.Run("activations", "record", "--model", Gpt, "--corpus", Corpus, "--split", "train", "--tokens", "200",
            "--out", Store, "--data-dir", Cache, "--json");
        if (r.ExitCode != 0) throw new InvalidOperationException($"recording the fixture store failed: {r.Stderr}");
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
