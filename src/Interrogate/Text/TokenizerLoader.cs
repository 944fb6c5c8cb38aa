namespace Interrogate.Text;

/// <summary>Finds and loads the tokenizer saved beside a model.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// Loads <c>tokenizer.json</c> when present (with BOS/EOS/PAD as <c>tokenizer_config.json</c> beside
    /// it names them), else <c>vocab.json</c> + <c>merges.txt</c>.
    /// </summary>
    public static ITokenizer FromDirectory(string directory)
    {
        if (!Directory.Exists(directory)) throw InputException.ForFile(directory, "directory not found");
        var json = Path.Combine(directory, "tokenizer.json");
        var config = Path.Combine(directory, TokenizerConfigJson.FileName);
        var vocab = Path.Combine(directory, "vocab.json");
        var merges = Path.Combine(directory, "merges.txt");
        ITokenizer tokenizer;
        if (File.Exists(json)) tokenizer = TokenizerJson.Load(json, File.Exists(config) ? config : null);
        else if (File.Exists(vocab) || File.Exists(merges)) tokenizer = Gpt2Files.Load(vocab, merges);
        else throw InputException.ForFile(directory, "no tokenizer found: expected tokenizer.json, or vocab.json with merges.txt");
        CheckAgainstConfig(tokenizer, directory, File.Exists(json) ? json : vocab);
        return tokenizer;
    }

    /// <summary>
    /// Every id the tokenizer can produce must have a row in the model's embedding: ids past the
    /// config's vocab_size would index outside it. Folders without a config (or without vocab_size)
    /// are not checked here; the model loader checks the config itself.
    /// </summary>
    private static void CheckAgainstConfig(ITokenizer tokenizer, string directory, string tokenizerPath)
    {
        var configPath = Path.Combine(directory, "config.json");
        if (!File.Exists(configPath)) return;
        var config = Formats.HfConfig.Load(configPath);
        if (config.TryGetPositiveInt("vocab_size") is not int vocabSize) return;
        if (tokenizer.VocabSize > vocabSize)
            throw InputException.ForFile(tokenizerPath, $"has ids up to {tokenizer.VocabSize - 1}, past the model's vocabulary ({configPath}: vocab_size {vocabSize}); the tokenizer and model do not belong together");
        foreach (var (name, id) in new[] { ("BOS", tokenizer.BosId), ("EOS", tokenizer.EosId), ("PAD", tokenizer.PadId) })
            if (id is int i && (i < 0 || i >= vocabSize))
                throw InputException.ForFile(tokenizerPath, $"{name} token id {i} lies outside the model's vocabulary (vocab_size {vocabSize})");
    }

    /// <summary>
    /// SHA-256 (hex) of the files <see cref="FromDirectory"/> reads: tokenizer.json when present, else
    /// vocab.json then merges.txt. Token caches are keyed by it, so every command that tokenises a corpus
    /// with the same tokenizer shares one cache entry.
    /// </summary>
    public static string Fingerprint(string directory)
    {
        var json = Path.Combine(directory, "tokenizer.json");
        string[] files = File.Exists(json) ? [json] : [.. new[] { "vocab.json", "merges.txt" }.Select(f => Path.Combine(directory, f)).Where(File.Exists)];
        return Data.Fingerprint.OfFileContents(files);
    }
}
