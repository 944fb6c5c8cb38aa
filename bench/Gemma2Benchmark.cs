using Interrogate.Kernels;
using Interrogate.Models.Gemma;
using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Bench;

/// <summary>
/// Forward tokens/s of a small Gemma 2 (random weights; D 256, 4 layers, 8 heads over 4 KV heads of
/// 32, MLP 1024, vocab 4096): every layer's attention soft-capped at 50, even layers sliding over 128
/// positions, final soft-cap 30. Rows at 1×128 (the window does not bind) and 1×512 and 4×512
/// (it binds). No peer: the row exists to compare attention paths across commits.
/// </summary>
public sealed class Gemma2Benchmark : IBenchmark
{
    private static readonly (int Batch, int Seq)[] Shapes = [(1, 128), (1, 512), (4, 512)];

    public string Name => "gemma2";
    public string Description => "small Gemma 2 forward tokens/s (soft-capped attention, 128-position sliding window on even layers)";

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        var model = new GemmaModel(new GemmaConfig
        {
            ModelType = "gemma2", VocabSize = 4096, ContextLength = 1024, DModel = 256, Layers = 4, Heads = 8, KeyValueHeads = 4, HeadDim = 32,
            Intermediate = 1024, QueryPreAttnScalar = 32, AttnSoftCap = 50, FinalSoftCap = 30, SlidingWindow = 128,
        }, seed: 0);
        var rows = new List<BenchRow>();
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            foreach (var (b, t) in Shapes)
            {
                if (options.Filter is { } f && !$"{b}x{t}".Contains(f, StringComparison.Ordinal)) continue;
                var ids = Enumerable.Range(0, b * t).Select(i => (int)((i * 7919L + 13) % 4096)).ToArray();
                var batch = new TokenBatch(ids, b, t);
                void Forward()
                {
                    using var _ = GradientTape.NoGrad();
                    model.Forward(batch);
                }
                var (ours, _) = Measure.Interleaved(Forward, null, options.Reps, options.MinSeconds);
                var speeds = ours.Select(s => b * t / s).ToArray();
                Console.Error.WriteLine($"gemma2: {b}x{t} threads {threads}: {Measure.Median(speeds):F0} tokens/s");
                rows.Add(new BenchRow($"gemma2-small {b}x{t}", threads, Measure.Median(speeds), null, "tokens/s", "")
                {
                    OursMin = speeds.Min(), OursMax = speeds.Max(),
                });
            }
        }
        return rows;
    }
}
