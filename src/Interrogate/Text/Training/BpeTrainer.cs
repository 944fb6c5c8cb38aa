using System.Text;

namespace Interrogate.Text.Training;

/// <summary>
/// Learns a GPT-2-style byte-level BPE: ids 0–255 are the bytes (as GPT-2's byte characters), then
/// one token per learned merge, then <c>&lt;|endoftext|&gt;</c> as the last id. Text is split by GPT-2's
/// pre-tokenizer and each distinct piece ("word") is counted once with its frequency; merges then
/// update pair counts only for the words that hold the merged pair, so training costs roughly
/// (distinct words × merges touching them), not (corpus size × merges).
/// <para>Each step merges the most frequent adjacent pair (ties: the smaller left id, then right id);
/// training stops at the target size or when no pair occurs at least <see cref="MinPairCount"/> times.</para>
/// </summary>
public sealed class BpeTrainer
{
    private readonly Dictionary<string, long> _words = new(StringComparer.Ordinal);
    private readonly List<(int Start, int Length)> _pieces = [];

    /// <summary>Smallest count a pair needs to be merged.</summary>
    public int MinPairCount { get; init; } = 2;

    /// <summary>Distinct pre-tokenized pieces seen so far.</summary>
    public int DistinctWords => _words.Count;

    /// <summary>Counts the pieces of one document; call once per document (text is not kept).</summary>
    public void Add(string text)
    {
        _pieces.Clear();
        Gpt2PreTokenizer.Split(text, 0, text.Length, _pieces);
        var lookup = _words.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var (start, length) in _pieces)
        {
            var piece = text.AsSpan(start, length);
            if (lookup.TryGetValue(piece, out var n)) lookup[piece] = n + 1;
            else lookup[piece] = 1;
        }
    }

    /// <summary>Learns merges until the vocabulary (bytes + merges + end-of-text) holds <paramref name="vocabSize"/> ids.</summary>
    public BpeTokenizer Train(int vocabSize, CancellationToken cancel = default)
    {
        if (vocabSize < 257) throw new InputException($"--vocab: must be at least 257 (256 bytes + <|endoftext|>), got {vocabSize}");
        var tokens = new List<string>(Math.Min(vocabSize, 1 << 16));   // not vocabSize: a typo must not allocate gigabytes
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++) { tokens.Add(ByteLevel.ByteToChar[b].ToString()); ids[tokens[b]] = b; }

        // Words as byte-id lists, with their counts; sorted so the result does not depend on hash order.
        var words = _words.OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => Encoding.UTF8.GetBytes(w.Key).Select(b => (int)b).ToList()).ToArray();
        var counts = _words.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => w.Value).ToArray();
        var pairs = new PairCounts(words, counts);

        var merges = new List<(string, string)>();
        while (tokens.Count < vocabSize - 1 && pairs.TryTakeBest(MinPairCount, out var left, out var right))
        {
            cancel.ThrowIfCancellationRequested();
            var merged = tokens[left] + tokens[right];
            // Two merge paths can spell the same string ("a"+"bc", "ab"+"c"): reuse its id, as Hugging Face does.
            if (!ids.TryGetValue(merged, out var id)) { id = tokens.Count; tokens.Add(merged); ids[merged] = id; }
            merges.Add((tokens[left], tokens[right]));
            pairs.Merge(left, right, id);
        }
        int eot = tokens.Count;
        tokens.Add(Gpt2Files.EndOfText);
        var model = new BpeModel([.. tokens], merges, "BpeTrainer");
        return new BpeTokenizer(model, new BpeOptions(), [new AddedToken(eot, Gpt2Files.EndOfText, Special: true)], "BpeTrainer")
        {
            BosId = eot,
            EosId = eot,
        };
    }

    /// <summary>Trains on every document of <paramref name="texts"/> (streamed, one at a time).</summary>
    public static BpeTokenizer Train(IEnumerable<string> texts, int vocabSize, CancellationToken cancel = default)
    {
        var trainer = new BpeTrainer();
        foreach (var text in texts) { cancel.ThrowIfCancellationRequested(); trainer.Add(text); }
        return trainer.Train(vocabSize, cancel);
    }
}
