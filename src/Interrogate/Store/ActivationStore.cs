using System.Runtime.InteropServices;

namespace Interrogate.Store;

/// <summary>A max-activating context: the token, its value, and ids around it within its window (Ids[Offset] is the token).</summary>
public sealed record MaxActivatingContext(long Token, float Value, int[] Ids, int Offset);

/// <summary>
/// Reads an activation store written by <see cref="ActivationRecorder"/>: row slices and single
/// neurons' columns straight from memory-mapped chunk files (nothing is loaded whole), the stored
/// token ids, and the per-neuron statistics and top contexts. Covers the complete chunks only.
/// <code>
/// using var store = ActivationStore.Open("acts/");
/// var rows = store.ReadRows("blocks.3.mlp.hook_post", start: 0, count: 512);   // [512, width]
/// var column = store.ReadNeuron("blocks.3.mlp.hook_post", 1337);               // [Tokens]
/// </code>
/// </summary>
public sealed class ActivationStore : IDisposable
{
    private readonly string directory;
    private readonly Dictionary<(int Hook, int Chunk), ChunkFile.Reader> readers = [];
    private List<(NeuronStatistics Stats, TopActivations Top)>? state;

    private ActivationStore(string directory, ActivationManifest manifest)
    {
        this.directory = directory;
        Manifest = manifest;
    }

    public ActivationManifest Manifest { get; }
    public IReadOnlyList<StoredHook> Hooks => Manifest.Hooks;
    /// <summary>Tokens covered by complete chunks: rows 0..Tokens−1 of every hook.</summary>
    public long Tokens => Manifest.StoredTokens;

    public static ActivationStore Open(string directory)
    {
        if (!File.Exists(ActivationManifest.PathIn(directory)))
            throw InputException.ForFile(directory, $"no {ActivationManifest.FileName}; not an activation store (record one first)");
        var manifest = ActivationManifest.Load(directory);
        if (manifest.Shard is { } shard)
            throw InputException.ForFile(directory, $"is shard {shard} of an activation store; merge the shards first (interrogate merge SHARD-FOLDERS... --out STORE)");
        var store = new ActivationStore(directory, manifest);
        store.Verify();
        return store;
    }

    /// <summary>
    /// Every file the manifest lists is there with the length it must have (chunks also with their
    /// header), and token-id files and the statistics state match their checksums: a truncated,
    /// extended, replaced or missing file is an error naming it at open, not a crash or a silently
    /// wrong answer later. Chunk files, the bulk of a store, are checked against their checksums when
    /// first read (<see cref="Reader"/>).
    /// </summary>
    private void Verify()
    {
        var chunks = Manifest.Chunks;
        for (int c = 0; c < chunks.Count; c++)
        {
            for (int h = 0; h < Hooks.Count; h++)
                ChunkFile.Check(Path.Combine(directory, ChunkFile.Name(Hooks[h].Name, c)), Hooks[h].Width, chunks[c].Tokens, Manifest.Precision);
            var ids = Path.Combine(directory, StoreState.TokenFileName(chunks[c].Index));
            var info = new FileInfo(ids);
            if (!info.Exists) throw InputException.ForFile(ids, "token ids listed in the manifest are missing; delete the store and record again");
            if (info.Length != 4L * chunks[c].Tokens)
                throw InputException.ForFile(ids, $"token ids file is {info.Length} bytes, expected {4L * chunks[c].Tokens}; delete the store and record again");
            if (Manifest.TokenChecksums is { } sums && sums.Count == chunks.Count
                && Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(ids))) != sums[c])
                throw InputException.ForFile(ids, "token ids do not match their checksum in the manifest (the file was changed or damaged); delete the store and record again");
        }
        if (Manifest.StateFile is not null) State();   // checks its header, length and every record
    }

    public int Width(string hook) => Hooks[HookIndex(hook)].Width;

    /// <summary>Rows [start, start + count) of a hook's activations: [count, width], row-major, float32.</summary>
    public float[] ReadRows(string hook, long start, int count)
    {
        int h = HookIndex(hook);
        var result = new float[(long)count * Hooks[h].Width];
        Walk(start, count, (chunk, row, n, done) => Reader(h, chunk).ReadRows(row, result.AsSpan(checked((int)(done * Hooks[h].Width)), n * Hooks[h].Width)));
        return result;
    }

    /// <summary>
    /// One neuron over tokens [start, start + count) (count null: to the end), across chunks. Rows are
    /// stored contiguously, so a column touches every page of the range; for many neurons, read rows.
    /// </summary>
    public float[] ReadNeuron(string hook, int neuron, long start = 0, long? count = null)
    {
        int h = HookIndex(hook);
        long n = count ?? Tokens - start;
        var result = new float[n];
        Walk(start, n, (chunk, row, k, done) => Reader(h, chunk).ReadColumn(neuron, row, result.AsSpan((int)done, k)));
        return result;
    }

    /// <summary>The source token ids [start, start + count) that were recorded.</summary>
    public int[] ReadTokens(long start, int count)
    {
        var result = new int[count];
        Walk(start, count, (chunk, row, n, done) =>
        {
            using var file = File.OpenRead(Path.Combine(directory, StoreState.TokenFileName(chunk)));
            file.Position = row * 4;
            file.ReadExactly(MemoryMarshal.AsBytes(result.AsSpan((int)done, n)));
        });
        return result;
    }

    /// <summary>Running statistics of a hook's neurons over the stored tokens.</summary>
    public NeuronStatistics Statistics(string hook) => State()[HookIndex(hook)].Stats;

    /// <summary>A neuron's top-k activations, largest first, with the token ids around each.</summary>
    public MaxActivatingContext[] TopContexts(string hook, int neuron)
    {
        int r = Manifest.ContextRadius, window = Manifest.WindowLength;
        return [.. State()[HookIndex(hook)].Top.For(neuron).Select(t =>
        {
            long windowStart = t.Token / window * window;
            long from = Math.Max(windowStart, t.Token - r);
            long to = Math.Min(Math.Min(windowStart + window, Tokens), t.Token + r + 1);
            return new MaxActivatingContext(t.Token, t.Value, ReadTokens(from, (int)(to - from)), (int)(t.Token - from));
        })];
    }

    private List<(NeuronStatistics Stats, TopActivations Top)> State()
    {
        if (state is not null) return state;
        if (Manifest.StateFile is null) throw InputException.ForFile(directory, "activation store has no complete chunk yet; record (or resume) it first");
        return state = StoreState.Load(Path.Combine(directory, Manifest.StateFile), Hooks.Count, Manifest.StateChecksum);
    }

    private int HookIndex(string hook)
    {
        for (int i = 0; i < Hooks.Count; i++) if (Hooks[i].Name == hook) return i;
        throw new InputException($"--hook {hook}: not in this activation store (it has {string.Join(", ", Hooks.Select(h => h.Name))})");
    }

    /// <summary>Calls <paramref name="visit"/>(chunk, row in chunk, rows, rows done before) for each chunk piece of a token range.</summary>
    private void Walk(long start, long count, Action<int, long, int, long> visit)
    {
        if (start < 0 || count < 0 || start + count > Tokens)
            throw new ArgumentOutOfRangeException(nameof(start), $"tokens [{start}, {start + count}) outside the stored 0..{Tokens}");
        var chunks = Manifest.Chunks;
        int c = 0;
        while (c < chunks.Count && chunks[c].FirstToken + chunks[c].Tokens <= start) c++;
        for (long done = 0; done < count; c++)
        {
            long row = start + done - chunks[c].FirstToken;
            int n = (int)Math.Min(count - done, chunks[c].Tokens - row);
            visit(c, row, n, done);
            done += n;
        }
    }

    /// <summary>
    /// The chunk file's reader, opened on first use; its checksum (when the manifest has one) is
    /// verified then, so every value read has been checked, and a store is not read whole just to be opened.
    /// </summary>
    private ChunkFile.Reader Reader(int hook, int chunk)
    {
        if (readers.TryGetValue((hook, chunk), out var reader)) return reader;
        var path = Path.Combine(directory, ChunkFile.Name(Hooks[hook].Name, chunk));
        if (Manifest.Chunks[chunk].Checksums is { } sums && sums.Count == Hooks.Count) ChunkFile.CheckSum(path, sums[hook]);
        return readers[(hook, chunk)] = new ChunkFile.Reader(path, Hooks[hook].Width, Manifest.Chunks[chunk].Tokens, Manifest.Precision);
    }

    public void Dispose()
    {
        foreach (var r in readers.Values) r.Dispose();
        readers.Clear();
    }
}
