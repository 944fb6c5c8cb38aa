using Interrogate.Store;
using Interrogate.Kernels;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Bench;

/// <summary>
/// What recording activations costs over running the model: GPT-2-small architecture (random
/// weights) over the same tokens, once as plain forward passes of 8 windows × 128 and once through
/// <see cref="ActivationRecorder.Record"/> — every blocks.*.mlp.hook_post (12 × 3,072 neurons) to a
/// float16 store on disk, with running statistics, histograms and top-k heaps, committed chunk by
/// chunk. Two cases: the recorder's default chunk of 64 windows (2 chunks, 16 forward passes: what
/// a collection runs), and a chunk per forward pass (8 chunks, the worst case: every pass pays a
/// state file and a commit). The two are interleaved rep by rep after a warm-up round; the "peer"
/// column is the plain forward (with logits), so the ratio is the share of forward speed that
/// recording keeps. The recorder stops after the last recorded block (no final norm, no logits).
/// </summary>
public sealed class ActivationsBenchmark : IBenchmark
{
    private const int Batch = 8, Window = 128;
    private static readonly (int Batches, int WindowsPerChunk, string Label)[] Cases =
        [(16, new ActivationStoreOptions().WindowsPerChunk, "default chunks"), (8, Batch, "chunk per pass"),
         (4, new ActivationStoreOptions().WindowsPerChunk, "default chunks, short")];   // --filter short: for a loaded machine; its one commit weighs 4× more

    public string Name => "activations";
    public string Description => "GPT-2-small activation recording (all mlp.hook_post, float16 store + stats + top-k) vs plain forward, tokens/s";

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        Console.Error.WriteLine("activations: building GPT-2-small with random weights...");
        var model = new Gpt2Model(new Gpt2Config(), seed: 0);
        var store = Path.Combine(Path.GetTempPath(), $"interrogate-bench-activations-{Environment.ProcessId}");
        var rows = new List<BenchRow>();
        try
        {
            foreach (var (batches, windowsPerChunk, label) in Cases)
            foreach (int threads in options.Threads)
            {
                if (options.Filter is { } f ? !label.Contains(f, StringComparison.Ordinal) : label.EndsWith("short", StringComparison.Ordinal)) continue;
                var settings = new ActivationStoreOptions { WindowLength = Window, BatchSize = Batch, WindowsPerChunk = windowsPerChunk };
                var ids = Enumerable.Range(0, batches * Batch * Window).Select(i => (int)((i * 7919L + 13) % 50257)).ToArray();
                Parallelism.Threads = threads;
                double Plain() => Time(() =>
                {
                    using var _ = GradientTape.NoGrad();
                    for (int b = 0; b < batches; b++) model.Forward(new TokenBatch(ids[(b * Batch * Window)..((b + 1) * Batch * Window)], Batch, Window));
                });
                double Recorded()
                {
                    if (Directory.Exists(store)) Directory.Delete(store, recursive: true);
                    return Time(() => ActivationRecorder.Record(model, "bench", TokenSource.FromArray(ids, "bench"), store, settings));
                }
                Plain();
                Recorded();
                var plain = new double[options.Reps];
                var recorded = new double[options.Reps];
                for (int r = 0; r < options.Reps; r++)
                {
                    if (r % 2 == 0) { plain[r] = Plain(); recorded[r] = Recorded(); }
                    else { recorded[r] = Recorded(); plain[r] = Plain(); }
                    Console.Error.WriteLine($"activations {ids.Length} tokens t{threads} rep {r + 1}: plain {ids.Length / plain[r]:F0} tok/s, recording {ids.Length / recorded[r]:F0} tok/s");
                }
                double p = ids.Length / Measure.Median(plain), o = ids.Length / Measure.Median(recorded);
                Console.Error.WriteLine($"activations {ids.Length} tokens t{threads}: recording keeps {100 * o / p:F1}% of plain forward speed (medians of {options.Reps})");
                rows.Add(new BenchRow($"{batches}x{Batch}x{Window}, {(batches * Batch + windowsPerChunk - 1) / windowsPerChunk} chunks of {windowsPerChunk} windows ({label})", threads, o, p, "tokens/s", "plain forward")
                {
                    OursMin = ids.Length / recorded.Max(), OursMax = ids.Length / recorded.Min(),
                    PeerMin = ids.Length / plain.Max(), PeerMax = ids.Length / plain.Min(),
                });
            }
        }
        finally
        {
            if (Directory.Exists(store)) Directory.Delete(store, recursive: true);
        }
        return rows;
    }

    private static double Time(Action run) => Measure.Time(run, 1);   // --clock cpu counts process CPU seconds
}
