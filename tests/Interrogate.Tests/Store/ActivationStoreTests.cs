using Interrogate.Store;
using Interrogate.Data.Corpora;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Analysis.Activations;

public sealed class ActivationStoreTests : IDisposable
{
    // 295 tokens in windows of 10 → 30 windows (the last of 5 tokens), 4 windows a chunk → 8 chunks, batches of 3.
    private static readonly int[] Ids = ModelKit.RandomIds(295, ModelKit.Gpt2Tiny.VocabSize, seed: 7);
    private static readonly ActivationStoreOptions Options = new()
    {
        WindowLength = 10, BatchSize = 3, WindowsPerChunk = 4, Precision = StorePrecision.Float32, TopK = 5, ContextRadius = 3, HistogramBins = 64,
    };
    private static readonly string[] Hooks = ["blocks.0.mlp.hook_post", "blocks.1.mlp.hook_post"];
    private readonly TempDir temp = new();
    private readonly CausalLanguageModel model = ModelKit.Gpt2();

    public void Dispose() => temp.Dispose();

    private ActivationManifest Record(string dir, ActivationStoreOptions? options = null, Action<ActivationManifest>? progress = null, CancellationToken cancel = default) =>
        ActivationRecorder.Record(model, "tiny-gpt2", TokenSource.FromArray(Ids, "random-295"), temp.File(dir), options ?? Options, progress, cancel);

    /// <summary>[tokens, width] of a hook from one unpadded forward per window.</summary>
    private float[] Direct(string hook, int width)
    {
        var rows = new float[Ids.Length * width];
        using var _ = GradientTape.NoGrad();
        for (int s = 0; s < Ids.Length; s += 10)
        {
            using var hooks = new HookScope().Cache(hook);
            model.Forward(TokenBatch.Single(Ids[s..Math.Min(Ids.Length, s + 10)]));
            hooks.Cached[hook].ContiguousData().Span.CopyTo(rows.AsSpan(s * width));
        }
        return rows;
    }

    [Fact]
    public void Record_DefaultHooks_RowsAndColumnsEqualDirectForward()
    {
        var manifest = Record("store");
        Assert.Equal(Hooks, manifest.Hooks.Select(h => h.Name));
        Assert.Equal(8, manifest.Chunks.Count);
        using var store = ActivationStore.Open(temp.File("store"));
        Assert.Equal(Ids.Length, store.Tokens);
        Assert.Equal(Ids, store.ReadTokens(0, Ids.Length));
        foreach (var hook in Hooks)
        {
            int width = store.Width(hook);
            var direct = Direct(hook, width);
            Assert.True(ModelKit.MaxAbsDiff(direct, store.ReadRows(hook, 0, Ids.Length)) <= 1e-6f);
            Assert.True(ModelKit.MaxAbsDiff(direct.AsSpan(37 * width, 50 * width), store.ReadRows(hook, 37, 50)) <= 1e-6f);   // crosses chunks
            var column = Enumerable.Range(0, Ids.Length).Select(i => direct[i * width + 5]).ToArray();
            Assert.True(ModelKit.MaxAbsDiff(column, store.ReadNeuron(hook, 5)) <= 1e-6f);
        }
    }

    [Fact]
    public void Record_LlamaResidAndMlp_RowsEqualDirectForward()
    {
        var llama = ModelKit.Llama();
        string[] hooks = ["blocks.1.hook_resid_post", "blocks.0.mlp.hook_post"];
        var ids = ModelKit.RandomIds(70, ModelKit.LlamaTiny.VocabSize, seed: 8);
        ActivationRecorder.Record(llama, "tiny-llama", TokenSource.FromArray(ids, "random-70"), temp.File("llama"), Options with { Hooks = hooks, WindowLength = 16 });
        using var store = ActivationStore.Open(temp.File("llama"));
        using var _ = GradientTape.NoGrad();
        foreach (var hook in hooks)
            for (int s = 0; s < ids.Length; s += 16)
            {
                using var scope = new HookScope().Cache(hook);
                llama.Forward(TokenBatch.Single(ids[s..Math.Min(ids.Length, s + 16)]));
                var direct = scope.Cached[hook].ContiguousData().Span;
                Assert.True(ModelKit.MaxAbsDiff(direct, store.ReadRows(hook, s, Math.Min(16, ids.Length - s))) <= 1e-6f, $"{hook} window at {s}");
            }
    }

    [Fact]
    public void Record_Float16_RowsWithinHalfPrecision()
    {
        Record("half", Options with { Precision = StorePrecision.Float16 });
        using var store = ActivationStore.Open(temp.File("half"));
        var direct = Direct(Hooks[1], store.Width(Hooks[1]));
        var stored = store.ReadRows(Hooks[1], 0, Ids.Length);
        for (int i = 0; i < direct.Length; i++) Assert.True(Math.Abs(direct[i] - stored[i]) <= 1e-3f * Math.Max(1f, Math.Abs(direct[i])));
        long chunkBytes = 32 + 2L * Options.WindowsPerChunk * 10 * store.Width(Hooks[1]);   // header + [40, width] float16
        Assert.Equal(chunkBytes, new FileInfo(Path.Combine(temp.File("half"), "blocks.1.mlp.hook_post.00000.act")).Length);
    }

    [Fact]
    public void Statistics_EqualTwoPassOverAllActivations()
    {
        Record("store");
        using var store = ActivationStore.Open(temp.File("store"));
        foreach (var hook in Hooks)
        {
            int width = store.Width(hook);
            var all = store.ReadRows(hook, 0, Ids.Length);
            var stats = store.Statistics(hook);
            Assert.Equal(Ids.Length, stats.Count);
            for (int j = 0; j < width; j++)
            {
                var column = Enumerable.Range(0, Ids.Length).Select(i => (double)all[i * width + j]).ToArray();
                double mean = column.Average(), variance = column.Sum(v => (v - mean) * (v - mean)) / column.Length;
                Assert.True(Math.Abs(stats.Mean(j) - mean) <= 1e-9 * Math.Max(1e-3, Math.Abs(mean)), $"{hook}[{j}] mean {stats.Mean(j)} vs {mean}");
                Assert.True(Math.Abs(stats.Variance(j) - variance) <= 1e-9 * variance, $"{hook}[{j}] variance {stats.Variance(j)} vs {variance}");
                Assert.Equal(column.Min(), stats.Min(j));
                Assert.Equal(column.Max(), stats.Max(j));
                Assert.Equal(column.Count(v => v > 0) / (double)column.Length, stats.FractionPositive(j), 12);
                // The histogram's range: the first batch's (3 windows of 10 tokens) [min, max] widened by a quarter span each side.
                var firstBatch = column[..30];
                double span = firstBatch.Max() - firstBatch.Min(), low = firstBatch.Min() - span / 4, high = firstBatch.Max() + span / 4;
                double binWidth = (high - low) / Options.HistogramBins;
                Array.Sort(column);
                foreach (var p in new[] { 0.1, 0.5, 0.9 })
                {
                    double exact = column[(int)Math.Ceiling(p * column.Length) - 1], q = stats.Quantile(j, p);
                    if (exact >= low && exact < high) Assert.True(Math.Abs(q - exact) <= binWidth + 1e-6 * span, $"{hook}[{j}] q{p} {q} vs {exact}");
                    else if (exact < low) Assert.InRange(q, column[0], low + 1e-6 * span);   // the bin below the range: between the minimum and its edge
                    else Assert.InRange(q, high - 1e-6 * span, column[^1]);
                }
            }
        }
    }

    [Fact]
    public void TopContexts_EqualBruteForceTopK()
    {
        Record("store");
        using var store = ActivationStore.Open(temp.File("store"));
        foreach (var hook in Hooks)
        {
            int width = store.Width(hook);
            var all = store.ReadRows(hook, 0, Ids.Length);
            for (int j = 0; j < width; j++)
            {
                var expected = Enumerable.Range(0, Ids.Length).Select(i => (Token: (long)i, Value: all[i * width + j]))
                    .OrderByDescending(e => e.Value).ThenBy(e => e.Token).Take(Options.TopK).ToArray();
                var top = store.TopContexts(hook, j);
                Assert.Equal(expected.Select(e => e.Token), top.Select(t => t.Token));
                Assert.Equal(expected.Select(e => e.Value), top.Select(t => t.Value));
                foreach (var t in top)
                {
                    Assert.Equal(Ids[(int)t.Token], t.Ids[t.Offset]);
                    long windowStart = t.Token / 10 * 10;
                    Assert.Equal(Ids[(int)Math.Max(windowStart, t.Token - 3)..(int)Math.Min(Math.Min(windowStart + 10, Ids.Length), t.Token + 4)], t.Ids);
                }
            }
        }
    }

    [Fact]
    public void Record_StoppedMidway_ResumesToSameStore()
    {
        Record("whole");
        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => Record("resumed", progress: m => { if (m.Chunks.Count == 3) cancel.Cancel(); }, cancel: cancel.Token));
        var dir = temp.File("resumed");
        Assert.Equal(3, ActivationManifest.Load(dir).Chunks.Count);
        File.WriteAllText(Path.Combine(dir, "blocks.0.mlp.hook_post.00003.act"), "written by a run killed before its manifest");
        File.WriteAllText(Path.Combine(dir, ".blocks.1.mlp.hook_post.00003.act.0123.tmp"), "half-written");
        int resumedChunks = 0;
        Record("resumed", progress: _ => resumedChunks++);
        Assert.Equal(5, resumedChunks);

        using var whole = ActivationStore.Open(temp.File("whole"));
        using var resumed = ActivationStore.Open(dir);
        Assert.Equal(whole.Manifest.Chunks, resumed.Manifest.Chunks);
        Assert.Single(Directory.GetFiles(dir, "state-*.bin"));
        Assert.Empty(Directory.GetFiles(dir, ".*.tmp"));
        foreach (var hook in Hooks)
        {
            Assert.Equal(whole.ReadRows(hook, 0, Ids.Length), resumed.ReadRows(hook, 0, Ids.Length));
            var (a, b) = (whole.Statistics(hook), resumed.Statistics(hook));
            for (int j = 0; j < whole.Width(hook); j++)
            {
                Assert.Equal(a.Mean(j), b.Mean(j), 12);
                Assert.Equal(a.Variance(j), b.Variance(j), 12);
                Assert.Equal(a.Quantile(j, 0.5), b.Quantile(j, 0.5));
                Assert.Equal(whole.TopContexts(hook, j).Select(t => (t.Token, t.Value)), resumed.TopContexts(hook, j).Select(t => (t.Token, t.Value)));
            }
        }
    }

    [Fact]
    public void Record_OverStoreOfOtherConfigOrCorpus_ThrowsNamingManifest()
    {
        Record("store");
        var e = Assert.Throws<InputException>(() => Record("store", Options with { WindowLength = 12 }));
        Assert.Contains("manifest.json", e.Message);
        Assert.Contains("window length", e.Message);
        var other = ActivationRecorder.Record(model, "tiny-gpt2", TokenSource.FromArray(Ids, "random-295"), temp.File("store"), Options);
        Assert.True(other.Complete);
        e = Assert.Throws<InputException>(() =>
            ActivationRecorder.Record(model, "tiny-gpt2", TokenSource.FromArray(Ids, "another-corpus"), temp.File("store"), Options));
        Assert.Contains("corpus", e.Message);
        var shuffled = Ids.Reverse().ToArray();
        e = Assert.Throws<InputException>(() =>
            ActivationRecorder.Record(model, "tiny-gpt2", TokenSource.FromArray(shuffled, "random-295"), temp.File("store"), Options));
        Assert.Contains("tokens.00007.ids", e.Message);
        e = Assert.Throws<InputException>(() =>
            ActivationRecorder.Record(ModelKit.Gpt2(seed: 2), "other-weights", TokenSource.FromArray(Ids, "random-295"), temp.File("store"), Options));
        Assert.Contains("model", e.Message);
    }

    [Fact]
    public void Record_TokenFileRange_StoresThoseTokensAndTheirActivations()
    {
        var path = temp.File("split.tok");
        TokenFile.Write(path, ModelKit.Gpt2Tiny.VocabSize, emit => emit(Ids));
        using var file = TokenFile.Open(path);
        var source = TokenSource.FromFile(file, "random/validation", start: 100, count: 60);
        Assert.Equal("random/validation[100+60]", source.Identity);
        ActivationRecorder.Record(model, "tiny-gpt2", source, temp.File("from-file"), Options with { Hooks = [Hooks[0]] });
        using var store = ActivationStore.Open(temp.File("from-file"));
        Assert.Equal(Ids[100..160], store.ReadTokens(0, 60));
        using var _ = GradientTape.NoGrad();
        using var scope = new HookScope().Cache(Hooks[0]);
        model.Forward(TokenBatch.Single(Ids[110..120]));
        Assert.True(ModelKit.MaxAbsDiff(scope.Cached[Hooks[0]].ContiguousData().Span, store.ReadRows(Hooks[0], 10, 10)) <= 1e-6f);
        Assert.Throws<InputException>(() => TokenSource.FromFile(file, "x", start: 290, count: 10));
    }

    [Fact]
    public void Record_StorePathIsAFile_ThrowsNamingItAndLeavesItAlone()
    {
        var path = temp.File("not-a-folder");
        File.WriteAllText(path, "a file");
        var e = Assert.Throws<InputException>(() => Record("not-a-folder"));
        Assert.Contains(path, e.Message);
        Assert.Equal("a file", File.ReadAllText(path));
    }

    [Fact]
    public void Record_UnknownHook_ThrowsNamingFlag()
    {
        var e = Assert.Throws<InputException>(() => Record("bad", Options with { Hooks = ["blocks.9.mlp.hook_post"] }));
        Assert.Contains("--hook blocks.9.mlp.hook_post", e.Message);
    }
}
