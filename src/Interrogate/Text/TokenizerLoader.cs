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
        if (File.Exists(json)) return TokenizerJson.Load(json, File.Exists(config) ? config : null);
        var vocab = Path.Combine(directory, "vocab.json");
        var merges = Path.Combine(directory, "merges.txt");
        if (File.Exists(vocab) || File.Exists(merges)) return Gpt2Files.Load(vocab, merges);
        throw InputException.ForFile(directory, "no tokenizer found: expected tokenizer.json, or vocab.json with merges.txt");
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
