using Interrogate.Models.Conv;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Mlp;
using Interrogate.Models.Recurrent;
using Interrogate.Tensors;
using Interrogate.Text;
using Interrogate.Text.Training;

namespace Interrogate.Tests.Fuzz;

/// <summary>
/// The healthy inputs every fuzz case starts from, built once: a tiny GPT-2 folder with its own
/// 300-token byte-level BPE, MNIST MLP, conv and recurrent folders, a ten-document corpus, a text
/// file, an activation store recorded from the tiny model and the same store recorded as two shards,
/// a sparse autoencoder trained on it, a .npy activation matrix and an experiment spec. Cases copy
/// what they damage into their own folder.
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
    public string Conv => Path.Combine(Root, "conv");
    public string Rnn => Path.Combine(Root, "rnn");
    /// <summary>Shard folders 0 and 1 of a two-shard recording of the store.</summary>
    public string[] Shards => [Path.Combine(Root, "shards", "0"), Path.Combine(Root, "shards", "1")];
    /// <summary>A sparse autoencoder (cfg.json, sae_weights.safetensors, training.json) at <see cref="SaeHook"/>.</summary>
    public string Sae => Path.Combine(Root, "sae");
    public const string SaeHook = "blocks.0.hook_resid_post";
    /// <summary>A float32 [2048, 16] .npy activation matrix for `sae train --activations`.</summary>
    public string Npy => Path.Combine(Root, "acts.npy");
    /// <summary>A model folder of `train gpt` stopped after step 1 of 2, with its checkpoint/ (for --resume).</summary>
    public string Trained => Path.Combine(Root, "trained");
    /// <summary>An experiment spec (MNIST MLPs): read before any data is loaded.</summary>
    public string Spec => Path.Combine(Root, "spec.json");
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
        ConvStore.Save(new ConvClassifier(new ConvConfig { Channels = [2], HiddenSizes = [4] }, 3), Conv);
        RecurrentStore.Save(new RecurrentClassifier(new RecurrentClassifierConfig { HiddenSize = 4 }, 3), Rnn);
        WriteNpy(Npy, 2048, 16, rng);
        File.WriteAllText(Spec, """
            { "name": "fuzz", "dataset": "mnist", "seeds": [0], "baseline": "relu",
              "base": { "epochs": 1, "hidden_sizes": [8], "batch_size": 50 }, "settings": { "relu": { "activation": "relu" } } }
            """);

        var r = InProcessCli.Run("activations", "record", "--model", Gpt, "--corpus", Corpus, "--split", "train", "--tokens", "200",
            "--out", Store, "--data-dir", Cache, "--json");
        if (r.ExitCode != 0) throw new InvalidOperationException($"recording the fixture store failed: {r.Stderr}");
        for (int i = 0; i < 2; i++)
        {
            r = InProcessCli.Run("activations", "record", "--model", Gpt, "--corpus", Corpus, "--split", "train", "--tokens", "200",
                "--shard", $"{i}/2", "--out", Shards[i], "--data-dir", Cache, "--json");
            if (r.ExitCode != 0) throw new InvalidOperationException($"recording fixture shard {i} failed: {r.Stderr}");
        }
        r = InProcessCli.Run("sae", "train", "--model", Gpt, "--corpus", Corpus, "--hook", SaeHook, "--tokens", "256", "--held-out-tokens", "64",
            "--latents", "16", "--k", "4", "--batch", "64", "--warmup", "1", "--out", Sae, "--data-dir", Cache, "--json");
        if (r.ExitCode != 0) throw new InvalidOperationException($"training the fixture dictionary failed: {r.Stderr}");
        r = InProcessCli.Run([.. TrainArgs(Trained, 2), "--stop-after", "1"]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"training the fixture GPT failed: {r.Stderr}");
    }

    /// <summary>`train gpt` of a tiny GPT on the corpus for <paramref name="steps"/> steps into <paramref name="output"/>, checkpointing every step.</summary>
    public string[] TrainArgs(string output, int steps) =>
        ["train", "gpt", "--corpus", Corpus, "--preset", "tiny", "--steps", $"{steps}", "--eval-every", "1", "--out", output, "--data-dir", Cache, "--json"];

    /// <summary>A version-1.0 .npy file of float32 [rows, cols] drawn from a normal distribution.</summary>
    private static void WriteNpy(string path, int rows, int cols, TensorRandom rng)
    {
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
        header = header.PadRight((header.Length + 11 + 63) / 64 * 64 - 11) + "\n";
        using var w = new BinaryWriter(File.Create(path));
        w.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
        w.Write((ushort)header.Length);
        w.Write(System.Text.Encoding.ASCII.GetBytes(header));
        for (int i = 0; i < rows * cols; i++) w.Write((float)rng.NextNormal());
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
