using System.Runtime.InteropServices;
using Interrogate.IO;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Store;

/// <summary>
/// Streams a token source through a model in non-overlapping windows and records hook-point
/// activations into an activation store folder, chunk by chunk, with running statistics and top-k
/// contexts. Only one batch of activations is in memory at a time. Each chunk is committed (chunk
/// files, then the state, then the manifest, each atomically), so a stopped run picks up after the
/// last complete chunk; a folder recorded with another model, corpus or setting is refused.
/// <para>
/// Folder layout: manifest.json (<see cref="ActivationManifest"/>); HOOK.NNNNN.act per hook and chunk
/// (<see cref="ChunkFile"/>: a 32-byte header, then [tokens, width] float32 or float16); tokens.NNNNN.ids
/// (the chunk's int32 token ids); state-NNNNN.bin (statistics and top-k heaps after NNNNN chunks).
/// </para>
/// </summary>
public static class ActivationRecorder
{
    /// <param name="model">The model to run; its hook points' shapes give the widths.</param>
    /// <param name="source">Tokens to stream, cut into windows of <see cref="ActivationStoreOptions.WindowLength"/>.</param>
    /// <param name="directory">The store folder: created, or resumed when it holds a matching manifest.</param>
    /// <param name="options">What to record; null for the defaults.</param>
    /// <param name="modelIdentity">Names the weights (e.g. model folder and its hash); saved and checked on resume.</param>
    /// <param name="progress">Called after each committed chunk with the manifest as saved.</param>
    /// <param name="cancel">Checked before each chunk; a cancelled run leaves a resumable store and throws.</param>
    public static ActivationManifest Record(CausalLanguageModel model, string modelIdentity, TokenSource source, string directory,
        ActivationStoreOptions? options = null, Action<ActivationManifest>? progress = null, CancellationToken cancel = default)
    {
        options ??= new ActivationStoreOptions();
        var wanted = Plan(model, modelIdentity, source, options);
        if (File.Exists(directory)) throw InputException.ForFile(directory, "is a file; the store needs a folder (a new one, or a store to resume)");
        Directory.CreateDirectory(directory);
        var manifest = wanted;
        if (File.Exists(ActivationManifest.PathIn(directory)))
        {
            manifest = ActivationManifest.Load(directory);
            manifest.CheckSameIdentity(wanted, directory);
            CheckSameTokens(source, directory, manifest);
            foreach (var stale in Directory.EnumerateFiles(directory, ".*.tmp")) File.Delete(stale);   // left by a killed run
        }
        else manifest.Save(directory);

        var state = manifest.StateFile is null
            ? [.. manifest.Hooks.Select(h => (new NeuronStatistics(h.Width, options.HistogramBins), new TopActivations(h.Width, options.TopK)))]
            : StoreState.Load(Path.Combine(directory, manifest.StateFile), manifest.Hooks.Count, manifest.StateChecksum);
        var (firstChunk, endChunk) = manifest.ChunkRange;
        if (manifest.StateFile is null && firstChunk > 0 && firstChunk < endChunk) TakeStoreHistogramRange(model, source, manifest, state);

        // Chunk c + 1 is computed while chunk c goes to disk (fsync, rename, state, manifest) on a
        // background task; at most one chunk is in flight, and a run never returns or throws before it lands.
        Task<ActivationManifest>? committing = null;
        bool stopped = false;
        try
        {
            for (int chunk = firstChunk + manifest.Chunks.Count; chunk < endChunk; chunk++)
            {
                if (stopped = cancel.IsCancellationRequested) break;
                var recorded = RecordChunk(model, source, directory, manifest, chunk, state);
                StoreState.Pending? stateFile = null;
                try
                {
                    stateFile = StoreState.Begin(Path.Combine(directory, StoreState.FileName(chunk + 1)), state);
                    if (committing is not null)
                    {
                        manifest = committing.GetAwaiter().GetResult();
                        committing = null;
                        progress?.Invoke(manifest);
                    }
                    if (stopped = cancel.IsCancellationRequested) { recorded.Dispose(); stateFile.Dispose(); break; }   // the stop lands on the last committed chunk
                    var (before, written) = (manifest, stateFile);
                    committing = Task.Run(() => Commit(directory, before, recorded, written));
                }
                catch
                {
                    recorded.Dispose();
                    stateFile?.Dispose();
                    throw;
                }
            }
            if (committing is not null)
            {
                manifest = committing.GetAwaiter().GetResult();
                committing = null;
                progress?.Invoke(manifest);
            }
        }
        finally
        {
            try { committing?.Wait(); } catch (AggregateException) { }   // already failing: let the in-flight commit land or fail quietly
        }
        if (stopped) throw new OperationCanceledException(cancel);
        return manifest;
    }

    /// <summary>A chunk whose activations are written but not yet durable: its token ids, open chunk files and, in a shard, its [batch][hook] moments (else null).</summary>
    private sealed record PendingChunk(StoredChunk Chunk, int[] Ids, List<ChunkFile.Writer> Writers, List<BatchMoments[]>? Moments) : IDisposable
    {
        public void Dispose()
        {
            foreach (var w in Writers) w.Dispose();
        }
    }

    /// <summary>Makes a chunk durable in the order that keeps a killed run resumable: tokens, chunk files and state, then manifest.</summary>
    private static ActivationManifest Commit(string directory, ActivationManifest manifest, PendingChunk pending, StoreState.Pending state)
    {
        using (pending)
        using (state)
        {
            int chunk = pending.Chunk.Index;
            var idBytes = MemoryMarshal.AsBytes(pending.Ids.AsSpan());
            AtomicFile.WriteAllBytes(Path.Combine(directory, StoreState.TokenFileName(chunk)), idBytes);
            var checksum = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(idBytes));
            foreach (var w in pending.Writers) w.Commit();
            var moments = pending.Moments is null ? null : MomentsFile.Write(Path.Combine(directory, MomentsFile.FileName(chunk)), pending.Moments);
            state.Commit();   // named by no manifest until the one below
            var stateFile = StoreState.FileName(chunk + 1);
            var previous = manifest.StateFile;
            var chunkEntry = pending.Chunk with { Checksums = [.. pending.Writers.Select(w => w.Checksum!)], MomentsChecksum = moments };
            manifest = manifest with { Chunks = [.. manifest.Chunks, chunkEntry], StateFile = stateFile, StateChecksum = state.Checksum,
                TokenChecksums = manifest.Chunks.Count == (manifest.TokenChecksums?.Count ?? 0) ? [.. manifest.TokenChecksums ?? [], checksum] : null };
            manifest.Save(directory);
            if (previous is not null) File.Delete(Path.Combine(directory, previous));
            return manifest;
        }
    }

    /// <summary>The identity string cannot prove the tokens are the same, so the last stored chunk's ids are compared with the source.</summary>
    private static void CheckSameTokens(TokenSource source, string directory, ActivationManifest manifest)
    {
        if (manifest.Chunks.Count == 0) return;
        var last = manifest.Chunks[^1];
        var path = Path.Combine(directory, StoreState.TokenFileName(last.Index));
        var stored = File.Exists(path) ? File.ReadAllBytes(path) : [];
        var ids = new int[last.Tokens];
        source.Read(last.FirstToken, ids);
        if (!stored.AsSpan().SequenceEqual(MemoryMarshal.AsBytes(ids.AsSpan())))
            throw InputException.ForFile(path, $"stored tokens differ from {source.Identity} at the same positions; use another --store folder or delete this one");
    }

    /// <summary>The manifest a fresh store for these settings starts from (no chunks yet).</summary>
    private static ActivationManifest Plan(CausalLanguageModel model, string modelIdentity, TokenSource source, ActivationStoreOptions options)
    {
        int context = model.Dimensions.ContextLength;
        int window = options.WindowLength ?? context;
        if (window < 1 || window > context) throw new InputException($"--window {window} must be between 1 and the model's context {context}");
        if (options.BatchSize < 1 || options.WindowsPerChunk < 1 || options.HistogramBins < 1 || options.TopK < 1 || options.ContextRadius < 0)
            throw new InputException("--batch, --chunk-windows, --bins and --top-k must be at least 1 and --context-radius at least 0");
        if (source.Count < 1) throw new InputException($"{source.Identity}: no tokens to record");
        var shapes = model.DescribeHookPoints(1, 1);
        var names = options.Hooks ?? [.. shapes.Select(s => s.Name).Where(HookNames.IsMlpPost)];
        var hooks = new List<StoredHook>();
        foreach (var name in names.Distinct())
        {
            var shape = shapes.FirstOrDefault(s => s.Name == name).Shape;
            if (shape is null || shape.Length != 3)
                throw new InputException($"--hook {name}: not a [batch, position, width] hook point of this model; `interrogate hooks` lists them");
            hooks.Add(new StoredHook(name, shape[2]));
        }
        if (hooks.Count == 0) throw new InputException("--hook: no hook points to record");
        long windows = (source.Count + window - 1) / window;
        return new ActivationManifest
        {
            Model = $"{modelIdentity} ({model.ModelType} {model.Dimensions})",
            Corpus = source.Identity,
            SourceTokens = source.Count,
            WindowLength = window,
            BatchSize = options.BatchSize,
            WindowsPerChunk = options.WindowsPerChunk,
            Precision = options.Precision,
            TopK = options.TopK,
            ContextRadius = options.ContextRadius,
            HistogramBins = options.HistogramBins,
            Hooks = hooks,
            TotalChunks = checked((int)((windows + options.WindowsPerChunk - 1) / options.WindowsPerChunk)),
            Shard = options.Shard,
            Dictionaries = options.Dictionaries,
        };
    }

    /// <summary>Runs one chunk's windows batch by batch: each hook's rows go to its chunk file (written in the background, not yet durable) and into its statistics and top-k.</summary>
    private static PendingChunk RecordChunk(CausalLanguageModel model, TokenSource source, string directory, ActivationManifest m,
        int chunk, List<(NeuronStatistics Stats, TopActivations Top)> state)
    {
        var ids = ChunkIds(source, m, chunk, out long first);
        int count = ids.Length;
        var writers = m.Hooks.Select(h => new ChunkFile.Writer(Path.Combine(directory, ChunkFile.Name(h.Name, chunk)), m.Precision, h.Width, count)).ToList();
        var moments = m.Shard is null ? null : new List<BatchMoments[]>();
        var pending = new PendingChunk(new StoredChunk(chunk, first, count), ids, writers, moments);
        try
        {
            for (int start = 0; start < count; start += m.BatchSize * m.WindowLength)
            {
                var batchMoments = moments is null ? null : m.Hooks.Select(h => new BatchMoments(h.Width)).ToArray();
                if (batchMoments is not null) moments!.Add(batchMoments);
                ForwardBatch(model, m, ids, start, (h, rows) =>
                {
                    writers[h].Append(rows);
                    var stats = state[h].Stats;
                    stats.Add(rows, state[h].Top, first + start, batchMoments?[h]);
                    if (!stats.HasHistogramRange)   // the store's first batch sets the histogram range, then is counted in it
                    {
                        stats.FixHistogramRange();
                        stats.AddToHistogram(rows);
                    }
                });
            }
            return pending;   // its last writes and fsyncs are still running; Commit waits for them
        }
        catch
        {
            pending.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A shard that does not start at chunk 0 runs the store's first batch once, unrecorded, so its
    /// histograms have the range the single-process run fixes there: counts then add exactly.
    /// </summary>
    private static void TakeStoreHistogramRange(CausalLanguageModel model, TokenSource source, ActivationManifest m,
        List<(NeuronStatistics Stats, TopActivations Top)> state)
    {
        var ids = ChunkIds(source, m, 0, out _);
        ForwardBatch(model, m, ids, 0, (h, rows) =>
        {
            var scratch = new NeuronStatistics(m.Hooks[h].Width, m.HistogramBins);
            scratch.Add(rows);
            scratch.FixHistogramRange();
            state[h].Stats.CopyHistogramRange(scratch);
        });
    }

    /// <summary>The token ids of one chunk and its first token's position in the source.</summary>
    private static int[] ChunkIds(TokenSource source, ActivationManifest m, int chunk, out long first)
    {
        first = (long)chunk * m.WindowsPerChunk * m.WindowLength;
        var ids = new int[(int)Math.Min(source.Count - first, (long)m.WindowsPerChunk * m.WindowLength)];
        source.Read(first, ids);
        return ids;
    }

    /// <summary>Receives one hook's rows of a batch: [tokens in batch, width], padding dropped; valid only during the call.</summary>
    private delegate void RowsAction(int hook, ReadOnlySpan<float> rows);

    /// <summary>Runs the batch of windows starting at <paramref name="start"/> of a chunk's ids and hands each hook's rows to <paramref name="take"/>.</summary>
    private static void ForwardBatch(CausalLanguageModel model, ActivationManifest m, int[] ids, int start, RowsAction take)
    {
        using var _ = GradientTape.NoGrad();
        int count = ids.Length;
        var windows = new List<int[]>();
        for (int s = start; s < Math.Min(count, start + m.BatchSize * m.WindowLength); s += m.WindowLength)
            windows.Add(ids[s..Math.Min(count, s + m.WindowLength)]);
        using var hooks = new HookScope().Cache([.. m.Hooks.Select(h => h.Name)]);
        var batch = windows.All(w => w.Length == m.WindowLength)   // no mask when nothing is padded: the unmasked attention is faster
            ? new TokenBatch([.. windows.SelectMany(w => w)], windows.Count, m.WindowLength)
            : TokenBatch.Pad(windows, PaddingSide.Right);
        // Only as far as the last recorded block: the later blocks, final norm and logits are not needed.
        int last = m.Hooks.Max(h => HookNames.LayerOf(h.Name) is int l and >= 0 ? l : int.MaxValue);
        if (last < model.Blocks.Count) model.ForwardBlocks(batch, last + 1);
        else model.Forward(batch);
        for (int h = 0; h < m.Hooks.Count; h++)
            take(h, RealRows(hooks.Cached[m.Hooks[h].Name], windows, m.Hooks[h].Width));
    }

    /// <summary>Drops padding: the rows of real tokens of a [B, T, width] activation, window after window (no copy when no window is padded).</summary>
    private static ReadOnlySpan<float> RealRows(Tensors.Tensor activation, List<int[]> windows, int width)
    {
        var data = activation.ContiguousData().Span;
        int t = activation.Shape[1];
        if (windows.All(w => w.Length == t)) return data[..(windows.Count * t * width)];
        var rows = new float[windows.Sum(w => w.Length) * width];
        int at = 0;
        for (int b = 0; b < windows.Count; b++)
        {
            data.Slice(b * t * width, windows[b].Length * width).CopyTo(rows.AsSpan(at));
            at += windows[b].Length * width;
        }
        return rows;
    }
}
