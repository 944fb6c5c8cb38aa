using System.Globalization;
using Interrogate.Kernels;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Bench;

/// <summary>
/// GPT-2-small architecture (12 layers, 768 wide, vocab 50257, random weights) forward tokens/s,
/// ours beside PyTorch's gpt2_forward.py run in the same session at its fastest thread setting.
/// Mode "none" returns logits only; "cache" also caches every blocks.*.mlp.hook_post (PyTorch's
/// "ref" mode returns the same activations).
/// </summary>
public sealed class ForwardBenchmark : IBenchmark
{
    private static readonly (int Batch, int Seq)[] Shapes = [(1, 128), (1, 1024), (8, 128)];

    public string Name => "forward";
    public string Description => "GPT-2-small forward tokens/s (1x128, 1x1024, 8x128; plain and caching mlp.hook_post), ours vs PyTorch";

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        Console.Error.WriteLine("forward: building GPT-2-small with random weights...");
        var model = new Gpt2Model(new Gpt2Config(), seed: 0);
        var rows = new List<BenchRow>();
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            var peer = PeerRows(threads, options.Reps);
            foreach (var (b, t) in Shapes)
            {
                if (options.Filter is { } f && !$"{b}x{t}".Contains(f, StringComparison.Ordinal)) continue;
                var ids = Enumerable.Range(0, b * t).Select(i => (int)((i * 7919L + 13) % 50257)).ToArray();
                var batch = new TokenBatch(ids, b, t);
                // Both modes interleaved rep by rep (order alternating), after two warm-up rounds, so JIT
                // tiering and memory growth hit neither mode alone.
                var (plain, cached) = TimeInterleaved(model, batch, options.Reps);
                foreach (var (mode, seconds) in new[] { ("none", plain), ("cache", cached) })
                {
                    double ours = b * t / Measure.Median(seconds);
                    double? p = peer.TryGetValue($"{b}x{t}/{(mode == "cache" ? "ref" : "none")}", out var v) ? v : null;
                    Console.Error.WriteLine($"forward t{threads} {b}x{t} {mode}: ours {ours:F0} tok/s, PyTorch {p?.ToString("F0", CultureInfo.InvariantCulture) ?? "n/a"}");
                    rows.Add(new BenchRow($"{b}x{t} {mode}", threads, ours, p, "tokens/s", "PyTorch")
                    {
                        OursMin = b * t / seconds.Max(), OursMax = b * t / seconds.Min(),
                    });
                }
                Console.Error.WriteLine($"forward t{threads} {b}x{t}: caching every mlp.hook_post costs {100 * (Measure.Median(cached) / Measure.Median(plain) - 1):+0.0;-0.0}% time");
            }
        }
        return rows;
    }

    private static (double[] Plain, double[] Cached) TimeInterleaved(CausalLanguageModel model, TokenBatch batch, int reps)
    {
        double Once(bool cacheMlp)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var _ = GradientTape.NoGrad();
            using var hooks = cacheMlp ? new HookScope().Cache(n => n.EndsWith(".mlp.hook_post", StringComparison.Ordinal)) : null;
            model.Forward(batch);
            return clock.Elapsed.TotalSeconds;
        }
        for (int w = 0; w < 2; w++) { Once(false); Once(true); }
        var plain = new double[reps];
        var cached = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            if (r % 2 == 0) { plain[r] = Once(false); cached[r] = Once(true); }
            else { cached[r] = Once(true); plain[r] = Once(false); }
        }
        return (plain, cached);
    }

    /// <summary>PyTorch tokens/s (median) per "BxT/mode", best over its fast thread settings.</summary>
    private static Dictionary<string, double> PeerRows(int threads, int reps)
    {
        var settings = threads == 1
            ? new[] { ("1", new Dictionary<string, string>()) }
            : [("1", new Dictionary<string, string> { ["OPENBLAS_NUM_THREADS"] = "2", ["OMP_NUM_THREADS"] = "1" }),
               ("2", new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "PASSIVE" })];
        var best = new Dictionary<string, double>();
        foreach (var (torchThreads, env) in settings)
        {
            var output = PeerScripts.RunScript("gpt2_forward.py",
                ["--threads", torchThreads, "--reps", reps.ToString(CultureInfo.InvariantCulture), "--warmup", "1",
                 "--shapes", "1x128,1x1024,8x128", "--modes", "none,ref"], env);
            if (output is null) continue;
            foreach (var line in output.Split('\n'))
            {
                var c = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // columns: batch seq mode thr ms@min ms@median tok/s@min tok/s@median
                if (c.Length < 8 || line.StartsWith('#') || !int.TryParse(c[0], out _)) continue;
                var key = $"{c[0]}x{c[1]}/{c[2]}";
                double tokPerSecond = double.Parse(c[7], CultureInfo.InvariantCulture);
                best[key] = Math.Max(best.GetValueOrDefault(key), tokPerSecond);
            }
        }
        return best;
    }
}
