using Interrogate.Text;

namespace Interrogate.Data.Corpora;

/// <summary>
/// A corpus tokenised once into one <see cref="TokenFile"/> per split, in a cache folder keyed by the
/// corpus fingerprint and the tokenizer's hash (<c>CACHE/tokens/HASH/{train,validation,test}.tok</c>).
/// Documents are encoded one at a time and each is followed by the end-of-text token, so memory use
/// does not grow with the corpus.
/// </summary>
public sealed class TokenizedCorpus : IDisposable
{
    private TokenizedCorpus(string folder, TokenFile train, TokenFile validation, TokenFile test)
    {
        Folder = folder;
        Train = train;
        Validation = validation;
        Test = test;
    }

    public string Folder { get; }
    public TokenFile Train { get; }
    public TokenFile Validation { get; }
    public TokenFile Test { get; }

    /// <summary>
    /// Opens the token files of <c>corpus</c> under <c>tokenizer</c>, encoding them first when not cached.
    /// <c>tokenizerHash</c> must change whenever the tokenizer would encode differently (e.g. SHA-256 of
    /// its tokenizer.json); <c>starting</c> is called once before any encoding work (not when every file is cached).
    /// </summary>
    public static TokenizedCorpus Build(Corpus corpus, ITokenizer tokenizer, string tokenizerHash, string? cacheDirectory = null,
        Action? starting = null)
    {
        var key = Data.Fingerprint.Of($"{corpus.Fingerprint}|{tokenizerHash}|v1")[..24];
        var folder = Path.Combine(cacheDirectory ?? NpmPackage.DefaultCacheDirectory(), "tokens", key);
        Directory.CreateDirectory(folder);
        var eot = tokenizer.EosId;
        var files = new TokenFile[3];
        foreach (var split in new[] { CorpusSplit.Train, CorpusSplit.Validation, CorpusSplit.Test })
        {
            var path = Path.Combine(folder, split.ToString().ToLowerInvariant() + ".tok");
            var docs = corpus.Split(split).ToList();
            if (!File.Exists(path))
            {
                if (starting is not null) { starting(); starting = null; }
                TokenFile.Write(path, tokenizer.VocabSize, write =>
                {
                    foreach (var doc in docs)
                    {
                        write(tokenizer.Encode(doc.Read()));
                        if (eot is int e) write([e]);
                    }
                });
            }
            files[(int)split] = TokenFile.Open(path);
        }
        return new TokenizedCorpus(folder, files[0], files[1], files[2]);
    }

    public void Dispose()
    {
        Train.Dispose();
        Validation.Dispose();
        Test.Dispose();
    }
}
