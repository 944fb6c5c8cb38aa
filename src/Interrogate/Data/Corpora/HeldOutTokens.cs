using Interrogate.Text;

namespace Interrogate.Data.Corpora;

/// <summary>Token streams an analysis may measure on because the model never trained on them.</summary>
public static class HeldOutTokens
{
    /// <summary>
    /// The first <paramref name="wanted"/> tokens of the validation split then the test split (never
    /// trained on), extended to the end of the document they stop in; the train split only when the
    /// corpus has no held-out documents (a warning says so).
    /// </summary>
    public static (int[] Ids, string Source) Read(string corpusName, string? dataDir, string modelDir, ITokenizer tokenizer, long wanted, Action<string> say)
    {
        var corpus = Corpus.Open(corpusName, dataDir);
        foreach (var w in corpus.Warnings) say($"warning: {w}");
        using var split = TokenizedCorpus.Build(corpus, tokenizer, TokenizerLoader.Fingerprint(modelDir), dataDir,
            () => say("tokenising the corpus..."));
        var files = split.Validation.Count + split.Test.Count > 0 ? new[] { split.Validation, split.Test } : [split.Train];
        if (files[0] == split.Train) say($"warning: {corpus.Name} has no validation or test documents; using its train split");
        var ids = new List<int>();
        foreach (var file in files)
        {
            for (long at = 0; at < file.Count; at += 4096)
            {
                bool done = ids.Count >= wanted;
                var piece = file.Read(at, (int)Math.Min(4096, file.Count - at));
                int end = piece.Length;
                if (done)
                {
                    int eot = tokenizer.EosId is int e ? Array.IndexOf(piece, e) : -1;
                    end = eot >= 0 ? eot + 1 : piece.Length;
                }
                ids.AddRange(piece[..end]);
                if (done && end < piece.Length) return ([.. ids], Source(corpus, files, split));
            }
        }
        return ([.. ids], Source(corpus, files, split));
    }

    private static string Source(Corpus corpus, TokenFile[] files, TokenizedCorpus split) =>
        $"{corpus.Name}/{(files[0] == split.Train ? "train" : "validation+test")}@{corpus.Fingerprint[..12]}";

}
