using Interrogate.Data.Corpora;

namespace Interrogate.Training.LanguageModel;

/// <summary>
/// Unigram and bigram models with add-k smoothing (k = <see cref="AddK"/>), counted over the training
/// split, as yardsticks for a trained model: p(b) = (c(b) + k) / (N + kV), p(b | a) = (c(a b) + k) / (c(a) + kV).
/// Bigram counts are sparse, so a large vocabulary costs only the pairs that occur.
/// </summary>
public sealed class NgramBaseline
{
    public const double AddK = 0.1;
    private const int Chunk = 1 << 16;

    private readonly long[] _unigram;
    private readonly long[] _context;   // c(a) as a left context: every token but the last
    private readonly Dictionary<long, long> _bigram = [];
    private readonly long _total;

    public NgramBaseline(TokenFile train, int vocabSize)
    {
        _unigram = new long[vocabSize];
        _context = new long[vocabSize];
        var buffer = new int[Chunk + 1];
        for (long start = 0; start < train.Count; start += Chunk)
        {
            // Each chunk overlaps the next by one token so the pair across the boundary is counted once.
            int n = (int)Math.Min(Chunk + 1, train.Count - start);
            train.Read(start, buffer.AsSpan(0, n));
            int own = (int)Math.Min(Chunk, train.Count - start);
            for (int i = 0; i < own; i++) _unigram[buffer[i]]++;
            for (int i = 0; i + 1 < n && i < own; i++)
            {
                _context[buffer[i]]++;
                var key = ((long)buffer[i] << 32) | (uint)buffer[i + 1];
                _bigram[key] = _bigram.GetValueOrDefault(key) + 1;
            }
        }
        _total = train.Count;
        VocabSize = vocabSize;
    }

    public int VocabSize { get; }

    public double UnigramLoss(int next) => -Math.Log((_unigram[next] + AddK) / (_total + AddK * VocabSize));

    public double BigramLoss(int previous, int next) =>
        -Math.Log((_bigram.GetValueOrDefault(((long)previous << 32) | (uint)next) + AddK) / (_context[previous] + AddK * VocabSize));

    /// <summary>Mean unigram and bigram loss (nats) of predicting tokens 1..T−1 of each window, the targets the model's validation loss uses.</summary>
    public (double Unigram, double Bigram) Measure(IEnumerable<int[]> windows)
    {
        double uni = 0, bi = 0;
        long n = 0;
        foreach (var w in windows)
            for (int t = 1; t < w.Length; t++) { uni += UnigramLoss(w[t]); bi += BigramLoss(w[t - 1], w[t]); n++; }
        return (uni / n, bi / n);
    }
}
