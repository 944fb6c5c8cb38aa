namespace Interrogate.Text.Training;

/// <summary>
/// Counts of adjacent symbol pairs over a weighted word list, the words each pair occurs in, and a
/// max-heap of pairs by count kept lazily: an entry whose count is out of date is re-queued with the
/// current count when it surfaces, so every live pair always has an entry at least as high as its count.
/// </summary>
internal sealed class PairCounts
{
    private readonly List<int>[] _words;
    private readonly long[] _wordCounts;
    private readonly Dictionary<long, long> _counts = [];
    private readonly Dictionary<long, HashSet<int>> _where = [];
    private readonly PriorityQueue<long, (long NegCount, long Pair)> _queue = new();
    private readonly HashSet<long> _touched = [];

    public PairCounts(List<int>[] words, long[] wordCounts)
    {
        _words = words;
        _wordCounts = wordCounts;
        for (int w = 0; w < words.Length; w++) AddWord(w, +1);
        foreach (var (pair, count) in _counts) _queue.Enqueue(pair, (-count, pair));
        _touched.Clear();
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>The most frequent pair (smallest key among ties) with at least <paramref name="minCount"/> occurrences.</summary>
    public bool TryTakeBest(long minCount, out int left, out int right)
    {
        while (_queue.TryDequeue(out var pair, out var priority))
        {
            var count = _counts.GetValueOrDefault(pair);
            if (count != -priority.NegCount)
            {
                if (count > 0) _queue.Enqueue(pair, (-count, pair)); // stale: re-queue at its true count
                continue;
            }
            if (count < minCount) break;
            left = (int)(pair >> 32);
            right = (int)(pair & 0xFFFFFFFF);
            return true;
        }
        left = right = -1;
        return false;
    }

    /// <summary>Replaces every (left, right) with <paramref name="merged"/> in the words holding it, updating counts.</summary>
    public void Merge(int left, int right, int merged)
    {
        var key = Key(left, right);
        if (!_where.Remove(key, out var holders)) return;
        foreach (var w in holders)
        {
            // Words are short pieces: recounting a whole word is simpler than patching neighbours, and as fast.
            AddWord(w, -1);
            var symbols = _words[w];
            int write = 0;
            for (int read = 0; read < symbols.Count; read++)
            {
                if (read + 1 < symbols.Count && symbols[read] == left && symbols[read + 1] == right) { symbols[write++] = merged; read++; }
                else symbols[write++] = symbols[read];
            }
            symbols.RemoveRange(write, symbols.Count - write);
            AddWord(w, +1);
        }
        _counts.Remove(key);
        foreach (var pair in _touched)
            if (_counts.TryGetValue(pair, out var c) && c > 0) _queue.Enqueue(pair, (-c, pair));
        _touched.Clear();
    }

    private void AddWord(int w, int sign)
    {
        var symbols = _words[w];
        long weight = sign * _wordCounts[w];
        for (int i = 0; i + 1 < symbols.Count; i++)
        {
            var pair = Key(symbols[i], symbols[i + 1]);
            var count = _counts.GetValueOrDefault(pair) + weight;
            if (count == 0) _counts.Remove(pair); else _counts[pair] = count;
            if (sign > 0)
            {
                if (!_where.TryGetValue(pair, out var set)) _where[pair] = set = [];
                set.Add(w);
                _touched.Add(pair);
            }
        }
    }
}
