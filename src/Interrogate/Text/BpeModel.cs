namespace Interrogate.Text;

/// <summary>
/// A BPE vocabulary and its merge list. <see cref="Merge"/> applies merges by rank, lowest first and
/// leftmost first among equals, which gives the same result as GPT-2's "merge every occurrence of the
/// best pair, repeat" loop for merge lists learned by BPE, and stays O(n log n) on long words.
/// </summary>
public sealed class BpeModel
{
    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<long, (int Rank, int Merged)> _merges;

    /// <param name="tokens">Token string of each id (index = id); gaps are not allowed.</param>
    /// <param name="merges">Merge pairs in rank order; both parts and their concatenation must be tokens.</param>
    /// <param name="source">File the data came from, for error messages.</param>
    public BpeModel(string[] tokens, IReadOnlyList<(string Left, string Right)> merges, string source)
    {
        _tokens = tokens;
        _ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (var id = 0; id < tokens.Length; id++)
        {
            if (!_ids.TryAdd(tokens[id], id))
                throw InputException.ForFile(source, $"token {Quote(tokens[id])} appears twice in the vocabulary (ids {_ids[tokens[id]]} and {id})");
        }
        _merges = new Dictionary<long, (int, int)>(merges.Count, PairComparer.Instance);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            var l = IdOrThrow(left, rank, source);
            var r = IdOrThrow(right, rank, source);
            if (!_ids.TryGetValue(left + right, out var merged))
                throw InputException.ForFile(source, $"merge {rank + 1} ({Quote(left)} {Quote(right)}) makes {Quote(left + right)}, which is not in the vocabulary; the vocabulary and merges do not belong together");
            _merges[Key(l, r)] = (rank, merged); // a repeated pair keeps its last rank, as GPT-2's dict(zip(merges, range)) does
        }
    }

    public int Count => _tokens.Length;
    public int MergeCount => _merges.Count;

    public string Token(int id) => _tokens[id];
    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    /// <summary>The merge list in rank order, as (left, right) token strings.</summary>
    public IEnumerable<(string Left, string Right)> Merges() =>
        _merges.OrderBy(m => m.Value.Rank).Select(m => (_tokens[(int)(m.Key >> 32)], _tokens[(int)(m.Key & 0xFFFFFFFF)]));

    private int IdOrThrow(string part, int rank, string source) =>
        _ids.TryGetValue(part, out var id) ? id
            : throw InputException.ForFile(source, $"merge {rank + 1} ({Quote(part)}) uses a token that is not in the vocabulary; the vocabulary and merges do not belong together");

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    // long's own hash XORs the halves, so (left, right) and (right, left) — and many more — collide; mix instead.
    private sealed class PairComparer : IEqualityComparer<long>
    {
        public static readonly PairComparer Instance = new();
        public bool Equals(long a, long b) => a == b;
        public int GetHashCode(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 32);
    }

    internal static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    /// <summary>Merges <paramref name="symbols"/> (initial token ids) and appends the resulting ids to <paramref name="output"/>.</summary>
    public void Merge(ReadOnlySpan<int> symbols, List<int> output)
    {
        var n = symbols.Length;
        if (n == 1) { output.Add(symbols[0]); return; }
        if (n <= ShortWord) { MergeShort(symbols, output); return; }
        var ids = symbols.ToArray();
        var next = new int[n]; // index of the next live symbol, or n
        var prev = new int[n]; // index of the previous live symbol, or -1
        var alive = new bool[n];
        var queue = new PriorityQueue<int, long>();
        for (var i = 0; i < n; i++) { next[i] = i + 1; prev[i] = i - 1; alive[i] = true; }
        for (var i = 0; i + 1 < n; i++) Enqueue(queue, ids, i, i + 1);

        while (queue.TryDequeue(out var left, out var priority))
        {
            var right = alive[left] ? next[left] : n;
            if (right >= n) continue;
            // Stale entries (a side already merged into something else) no longer name this rank.
            if (!_merges.TryGetValue(Key(ids[left], ids[right]), out var merge) || merge.Rank != (int)(priority >> 32)) continue;
            ids[left] = merge.Merged;
            alive[right] = false;
            next[left] = next[right];
            if (next[right] < n) prev[next[right]] = left;
            if (prev[left] >= 0) Enqueue(queue, ids, prev[left], left);
            if (next[left] < n) Enqueue(queue, ids, left, next[left]);
        }
        for (var i = 0; i < n; i = next[i]) output.Add(ids[i]);
    }

    private const int ShortWord = 48;

    /// <summary>Same order as the queue (lowest rank, then leftmost), by rescanning: faster for the short words that are most words.</summary>
    private void MergeShort(ReadOnlySpan<int> symbols, List<int> output)
    {
        Span<int> ids = stackalloc int[symbols.Length];
        symbols.CopyTo(ids);
        var n = ids.Length;
        while (n > 1)
        {
            var (bestRank, bestAt, bestMerged) = (int.MaxValue, -1, 0);
            for (var i = 0; i + 1 < n; i++)
            {
                if (_merges.TryGetValue(Key(ids[i], ids[i + 1]), out var m) && m.Rank < bestRank) (bestRank, bestAt, bestMerged) = (m.Rank, i, m.Merged);
            }
            if (bestAt < 0) break;
            ids[bestAt] = bestMerged;
            ids[(bestAt + 2)..n].CopyTo(ids[(bestAt + 1)..]);
            n--;
        }
        foreach (var id in ids[..n]) output.Add(id);
    }

    private void Enqueue(PriorityQueue<int, long> queue, int[] ids, int left, int right)
    {
        if (_merges.TryGetValue(Key(ids[left], ids[right]), out var merge))
            queue.Enqueue(left, ((long)merge.Rank << 32) | (uint)left);
    }
}
