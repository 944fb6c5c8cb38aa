using Interrogate.Data.Corpora;

namespace Interrogate.Training.LanguageModel;

/// <summary>
/// Interpolated Kneser–Ney bigram and trigram models (Chen &amp; Goodman 1998, one absolute discount D
/// per model, shared by its levels), counted over a token stream, as honest yardsticks for a trained
/// language model. With N₁₊ the number of distinct words seen in a slot:
/// <code>
/// p₁(c)      = [max(N₁₊(·c) − D, 0) + D·T₁/V] / N₁₊(··)                       (continuation unigram, mixed with uniform)
/// p₂(c | b)  = [max(c(bc) − D, 0) + D·N₁₊(b·)·p₁(c)] / c(b·)                   (bigram model: raw counts on top)
/// pₘ(c | b)  = [max(N₁₊(·bc) − D, 0) + D·N₁₊ᶜ(b·)·p₁(c)] / N₁₊(·b·)            (trigram model's middle level: continuation counts)
/// p₃(c | ab) = [max(c(abc) − D, 0) + D·N₁₊(ab·)·pₘ(c | b)] / c(ab·)
/// </code>
/// An unseen context falls back to the next lower level. Counting is sparse: memory grows with the
/// distinct pairs and triples that occur, not with V² or V³.
/// </summary>
public sealed class KneserNey
{
    private const int Chunk = 1 << 16;

    private readonly int vocab;
    // Bigrams (a, b) → c(ab); trigrams (a, b, c) → c(abc).
    private readonly Dictionary<long, int> bigram = [];
    private readonly Dictionary<long, int> trigram = [];
    // Derived counts, filled by Finish().
    private readonly long[] contextCount;        // c(b·) as a left context of a bigram
    private readonly int[] followers;            // N₁₊(b·): distinct words after b
    private readonly int[] precededBy;           // N₁₊(·c): distinct words before c
    private readonly int[] middleTotal;          // N₁₊(·b·): distinct trigrams with middle b
    private readonly int[] middleFollowers;      // N₁₊ᶜ(b·): distinct c with N₁₊(·bc) > 0
    private readonly Dictionary<long, int> continuation = [];   // (b, c) → N₁₊(·bc)
    private readonly Dictionary<long, (int Count, int Types)> pairContext = [];   // (a, b) → c(ab·), N₁₊(ab·)
    private long distinctBigrams;
    private int seenTypes;

    /// <summary>Counts every pair and triple of consecutive tokens in <paramref name="tokens"/> (one stream).</summary>
    public KneserNey(ReadOnlySpan<int> tokens, int vocabSize) : this(vocabSize)
    {
        int p2 = -1, p1 = -1;
        Add(tokens, ref p2, ref p1);
        Finish();
    }

    private KneserNey(int vocabSize)
    {
        if (vocabSize < 1 || vocabSize > (1 << 21)) throw new ArgumentOutOfRangeException(nameof(vocabSize), "1 to 2²¹ token ids (three must fit one long key)");
        vocab = vocabSize;
        contextCount = new long[vocabSize];
        followers = new int[vocabSize];
        precededBy = new int[vocabSize];
        middleTotal = new int[vocabSize];
        middleFollowers = new int[vocabSize];
    }

    /// <summary>Counts a token file in chunks (the train split of a tokenized corpus).</summary>
    public static KneserNey FromFile(TokenFile train, int vocabSize)
    {
        var model = new KneserNey(vocabSize);
        var buffer = new int[Chunk];
        int p2 = -1, p1 = -1;
        for (long start = 0; start < train.Count; start += Chunk)
        {
            int n = (int)Math.Min(Chunk, train.Count - start);
            train.Read(start, buffer.AsSpan(0, n));
            model.Add(buffer.AsSpan(0, n), ref p2, ref p1);
        }
        model.Finish();
        return model;
    }

    public int VocabSize => vocab;

    private long Key(int a, int b) => (long)a * vocab + b;

    private long Key(int a, int b, int c) => ((long)a * vocab + b) * vocab + c;

    private void Add(ReadOnlySpan<int> tokens, ref int p2, ref int p1)
    {
        foreach (int t in tokens)
        {
            if ((uint)t >= (uint)vocab) throw new InputException($"token id {t} is outside the vocabulary of {vocab}");
            if (p1 >= 0) Increment(bigram, Key(p1, t));
            if (p2 >= 0) Increment(trigram, Key(p2, p1, t));
            (p2, p1) = (p1, t);
        }
    }

    private static void Increment(Dictionary<long, int> counts, long key)
    {
        ref int slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _);
        slot++;
    }

    private void Finish()
    {
        foreach (var (key, count) in bigram)
        {
            int a = (int)(key / vocab), b = (int)(key % vocab);
            contextCount[a] += count;
            followers[a]++;
            if (precededBy[b]++ == 0) seenTypes++;
        }
        distinctBigrams = bigram.Count;
        foreach (var (key, count) in trigram)
        {
            long ab = key / vocab;
            int c = (int)(key % vocab), b = (int)(ab % vocab);
            ref var pc = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(pairContext, ab, out _);
            pc = (pc.Count + count, pc.Types + 1);
            ref int n = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(continuation, Key(b, c), out bool existed);
            if (!existed) middleFollowers[b]++;
            n++;
            middleTotal[b]++;
        }
    }

    /// <summary>p₁(c), the continuation unigram mixed with the uniform distribution.</summary>
    public double Unigram(int c, double discount)
    {
        if (distinctBigrams == 0) return 1.0 / vocab;
        return (Math.Max(precededBy[c] - discount, 0) + discount * seenTypes / vocab) / distinctBigrams;
    }

    /// <summary>p₂(c | b) of the bigram model.</summary>
    public double Bigram(int b, int c, double discount)
    {
        double lower = Unigram(c, discount);
        long total = contextCount[b];
        if (total == 0) return lower;
        int count = bigram.GetValueOrDefault(Key(b, c));
        return (Math.Max(count - discount, 0) + discount * followers[b] * lower) / total;
    }

    /// <summary>pₘ(c | b), the trigram model's middle level (continuation counts).</summary>
    private double Middle(int b, int c, double discount)
    {
        double lower = Unigram(c, discount);
        int total = middleTotal[b];
        if (total == 0) return lower;
        int count = continuation.GetValueOrDefault(Key(b, c));
        return (Math.Max(count - discount, 0) + discount * middleFollowers[b] * lower) / total;
    }

    /// <summary>p₃(c | a b) of the trigram model.</summary>
    public double Trigram(int a, int b, int c, double discount)
    {
        double lower = Middle(b, c, discount);
        if (!pairContext.TryGetValue(Key(a, b), out var context)) return lower;
        int count = trigram.GetValueOrDefault(Key(a, b, c));
        return (Math.Max(count - discount, 0) + discount * context.Types * lower) / context.Count;
    }

    /// <summary>
    /// Mean loss (nats) of predicting tokens 1..T−1 of each window, as a language model's validation loss
    /// does: order 2 is the bigram model, order 3 the trigram (its first prediction in a window, with one
    /// token of history, uses the middle level).
    /// </summary>
    public double Loss(IEnumerable<int[]> windows, int order, double discount)
    {
        if (order is not (2 or 3)) throw new ArgumentOutOfRangeException(nameof(order), "2 (bigram) or 3 (trigram)");
        double sum = 0;
        long n = 0;
        foreach (var w in windows)
            for (int t = 1; t < w.Length; t++)
            {
                double p = order == 2 || t == 1
                    ? (order == 2 ? Bigram(w[t - 1], w[t], discount) : Middle(w[t - 1], w[t], discount))
                    : Trigram(w[t - 2], w[t - 1], w[t], discount);
                sum -= Math.Log(p);
                n++;
            }
        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>The discounts <see cref="ChooseDiscount"/> tries: 0.05, 0.10, …, 0.95.</summary>
    public static IReadOnlyList<double> DiscountGrid { get; } = [.. Enumerable.Range(1, 19).Select(i => i * 0.05)];

    /// <summary>The grid discount with the lowest mean loss on <paramref name="tuning"/> windows (never the windows it is reported on).</summary>
    public double ChooseDiscount(IReadOnlyList<int[]> tuning, int order) =>
        DiscountGrid.MinBy(d => Loss(tuning, order, d));
}
