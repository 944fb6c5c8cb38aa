using Interrogate.Kernels;
using Interrogate.Models.Transformer;

namespace Interrogate.Bench;

/// <summary>
/// The shipped model (models/sotu-small) against the same model pruned by `interrogate prune`
/// (folder named by $INTERROGATE_PRUNED), in ours and in ONNX Runtime on the exported graphs, all
/// four interleaved repetition by repetition: tokens/s of each, and the speed-up pruning gives each
/// engine (unpruned seconds / pruned seconds). A smaller model must be faster where it is deployed.
/// </summary>
internal static class PrunedForward
{
    private static readonly (int Batch, int Seq)[] Shapes = [(1, 128), (8, 128)];

    public static IEnumerable<BenchRow> Run(int threads, int reps, double minSeconds)
    {
        var prunedDir = Environment.GetEnvironmentVariable("INTERROGATE_PRUNED");
        var fullDir = FindShipped();
        if (string.IsNullOrEmpty(prunedDir) || fullDir is null)
        {
            Console.Error.WriteLine("forward: pruned rows skipped; make a pruned model with `./interrogate prune --model models/sotu-small " +
                "--method magnitude --target 0.5 --out DIR` and set INTERROGATE_PRUNED=DIR");
            return [];
        }
        Parallelism.Threads = threads;
        var full = TransformerLoader.FromDirectory(fullDir);
        var pruned = TransformerLoader.FromDirectory(prunedDir);
        Console.Error.WriteLine($"forward: sotu-small MLP widths {string.Join(",", full.Blocks.Select(x => x.Mlp.Width))} → pruned {string.Join(",", pruned.Blocks.Select(x => x.Mlp.Width))}");
        List<OrtPeer> fullOrt = [OrtPeer.Create(full, threads, false), OrtPeer.Create(full, threads, true)];
        List<OrtPeer> prunedOrt = [OrtPeer.Create(pruned, threads, false), OrtPeer.Create(pruned, threads, true)];
        try
        {
            var rows = new List<BenchRow>();
            foreach (var (b, t) in Shapes) rows.AddRange(RunShape(full, pruned, fullOrt, prunedOrt, b, t, threads, reps, minSeconds));
            return rows;
        }
        finally
        {
            foreach (var o in fullOrt.Concat(prunedOrt)) o.Dispose();
        }
    }

    private static IEnumerable<BenchRow> RunShape(CausalLanguageModel full, CausalLanguageModel pruned, List<OrtPeer> fullOrt, List<OrtPeer> prunedOrt,
        int b, int t, int threads, int reps, double minSeconds)
    {
        int vocab = full.Dimensions.VocabSize;
        var ids = Enumerable.Range(0, b * t).Select(i => (int)((i * 7919L + 13) % vocab)).ToArray();
        var longIds = ids.Select(i => (long)i).ToArray();
        var batch = new TokenBatch(ids, b, t);
        // A small model's pass takes milliseconds: each repetition times enough passes to outlast timer noise.
        var engines = new List<Action>
        {
            () => ForwardBenchmark.Once(full, batch, false), () => ForwardBenchmark.Once(pruned, batch, false),
        };
        engines.AddRange(fullOrt.Concat(prunedOrt).Select(o => (Action)(() => o.Once(longIds, b, t))));
        var calls = engines.Select(e => Measure.Calibrate(e, minSeconds)).ToArray();
        var seconds = engines.Select(_ => new double[reps]).ToArray();
        for (int r = 0; r < reps; r++)
            foreach (int i in r % 2 == 0 ? Enumerable.Range(0, engines.Count) : Enumerable.Range(0, engines.Count).Reverse())
                seconds[i][r] = Measure.Time(engines[i], calls[i]) / calls[i];
        int n = fullOrt.Count;
        var ortFull = seconds.Skip(2).Take(n).ToList();
        var ortPruned = seconds.Skip(2 + n).Take(n).ToList();
        yield return ForwardBenchmark.OrtRow($"sotu-small {b}x{t} ort", b * t, threads, seconds[0], ortFull, fullOrt);
        yield return ForwardBenchmark.OrtRow($"sotu-small pruned {b}x{t} ort", b * t, threads, seconds[1], ortPruned, prunedOrt);
        double oursSpeedup = Measure.Median(seconds[0]) / Measure.Median(seconds[1]);
        double ortSpeedup = ortFull.Min(Measure.Median) / ortPruned.Min(Measure.Median);
        Console.Error.WriteLine($"forward t{threads} sotu-small {b}x{t}: pruning speed-up ours {oursSpeedup:F2}x, ONNX Runtime {ortSpeedup:F2}x");
        yield return new BenchRow($"sotu-small pruning speed-up {b}x{t}", threads, oursSpeedup, ortSpeedup, "x (unpruned s / pruned s)", "ONNX Runtime")
        {
            OursMin = oursSpeedup, OursMax = oursSpeedup, PeerMin = ortSpeedup, PeerMax = ortSpeedup,
            PeerConfig = $"each engine's median unpruned time / median pruned time (ORT: its faster setting of each); {fullOrt[0].Config}",
        };
    }

    /// <summary>models/sotu-small above the current folder or the program's.</summary>
    private static string? FindShipped()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "models", "sotu-small");
                if (File.Exists(Path.Combine(candidate, "config.json"))) return candidate;
            }
        return null;
    }
}
