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
/// ours beside PyTorch (bench/peers/gpt2_forward.py kept running in serve mode). Mode "none"
/// returns logits only; "cache" also caches every blocks.*.mlp.hook_post (PyTorch's "ref" mode
/// returns the same activations). Every repetition runs ours (both modes, order alternating) and
/// then each peer setting, so load that drifts hits all alike; for 2 threads the peer runs at its
/// two fast settings (2 torch threads with OMP_WAIT_POLICY=PASSIVE; 1 torch thread with 2 OpenBLAS
/// threads), and each row reports the better one with its configuration. ONNX Runtime runs in this
/// process on our exported graph of the same model (<see cref="OrtPeer"/>), interleaved too, at both
/// of its spinning settings; its rows ("… ort") report the better one. With $INTERROGATE_PRUNED naming
/// a pruned models/sotu-small, <see cref="PrunedForward"/> adds the pruning speed-up in both engines
/// (first, so `--filter sotu` runs those rows alone).
/// </summary>
public sealed class ForwardBenchmark : IBenchmark
{
    private static readonly (int Batch, int Seq)[] Shapes = [(1, 128), (1, 1024), (8, 128)];
    private const int Warmup = 2;

    public string Name => "forward";
    public string Description => "GPT-2-small forward tokens/s (1x128, 1x1024, 8x128; plain and caching mlp.hook_post), ours vs PyTorch and in-process ONNX Runtime, interleaved; pruned sotu-small speed-up";

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        Gpt2Model? model = null;
        var rows = new List<BenchRow>();
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            var shapes = Shapes.Where(s => options.Filter is not { } f || $"{s.Batch}x{s.Seq}".Contains(f, StringComparison.Ordinal)).ToList();
            if (options.Filter is null || options.Filter == "sotu") rows.AddRange(PrunedForward.Run(threads, options.Reps, options.MinSeconds));
            if (shapes.Count == 0) continue;
            if (model is null) Console.Error.WriteLine("forward: building GPT-2-small with random weights...");
            model ??= new Gpt2Model(new Gpt2Config(), seed: 0);
            var peers = StartPeers(threads);
            Console.Error.WriteLine("forward: exporting GPT-2-small to ONNX for ONNX Runtime...");
            List<OrtPeer> orts = [OrtPeer.Create(model, threads, spinning: false), OrtPeer.Create(model, threads, spinning: true)];
            try
            {
                foreach (var (b, t) in shapes) rows.AddRange(RunShape(model, b, t, threads, options.Reps, peers, orts));
            }
            finally
            {
                foreach (var p in peers) p.Dispose();
                foreach (var o in orts) o.Dispose();
            }
        }
        return rows;
    }

    private static IEnumerable<BenchRow> RunShape(CausalLanguageModel model, int b, int t, int threads, int reps, List<PeerProcess> peers, List<OrtPeer> orts)
    {
        var ids = Enumerable.Range(0, b * t).Select(i => (int)((i * 7919L + 13) % 50257)).ToArray();
        var batch = new TokenBatch(ids, b, t);
        var longIds = ids.Select(i => (long)i).ToArray();
        var ort = orts.Select(_ => new double[reps]).ToList();
        string[] modes = ["none", "cache"];
        // "plain": logits only, through the blocks' ordinary (unfused) route, for the fusion's own saving.
        // "packed": logits inside a PrepackedWeights scope (each weight packed for the GEMM once, on the first pass).
        // "session": both promises an inference loop can make: weights packed once, and one logits buffer reused.
        var ours = modes.Append("plain").Append("packed").Append("session").ToDictionary(m => m, _ => new double[reps]);
        using var packs = new PrepackedWeights();
        using var logitsBuffer = new ReusedLogits();
        var theirs = peers.Select(_ => modes.ToDictionary(m => m, _ => new double[reps])).ToList();
        string Request(string mode) => $"{b}x{t} {(mode == "cache" ? "ref" : "none")}";
        for (int w = 0; w < Warmup; w++)
        {
            foreach (var mode in ours.Keys) Once(model, batch, mode);
            foreach (var p in peers) foreach (var mode in modes) p.Run(Request(mode));
            foreach (var o in orts) o.Once(longIds, b, t);
        }
        for (int r = 0; r < reps; r++)
        {
            foreach (var mode in r % 2 == 0 ? ours.Keys : ours.Keys.Reverse()) ours[mode][r] = Once(model, batch, mode);
            for (int i = 0; i < peers.Count; i++)
                foreach (var mode in modes) theirs[i][mode][r] = peers[i].Run(Request(mode));
            for (int i = 0; i < orts.Count; i++) ort[i][r] = orts[i].Once(longIds, b, t);
        }
        foreach (var mode in modes)
        {
            double oursRate = b * t / Measure.Median(ours[mode]);
            int best = Enumerable.Range(0, peers.Count).OrderBy(i => Measure.Median(theirs[i][mode])).FirstOrDefault(-1);
            double? peerRate = best < 0 ? null : b * t / Measure.Median(theirs[best][mode]);
            Console.Error.WriteLine($"forward t{threads} {b}x{t} {mode}: ours {oursRate:F0} tok/s, PyTorch {peerRate?.ToString("F0", CultureInfo.InvariantCulture) ?? "n/a"}");
            yield return new BenchRow($"{b}x{t} {mode}", threads, oursRate, peerRate, "tokens/s", "PyTorch")
            {
                OursMin = b * t / ours[mode].Max(), OursMax = b * t / ours[mode].Min(),
                PeerMin = best < 0 ? null : b * t / theirs[best][mode].Max(), PeerMax = best < 0 ? null : b * t / theirs[best][mode].Min(),
                PeerConfig = best < 0 ? "not installed" : $"{peers[best].Config}; interleaved rep by rep, best of {peers.Count} setting(s)",
            };
        }
        yield return OrtRow($"{b}x{t} ort", b * t, threads, ours["none"], ort, orts);
        yield return new BenchRow($"{b}x{t} fused", threads, b * t / Measure.Median(ours["none"]), b * t / Measure.Median(ours["plain"]), "tokens/s", "ordinary route")
        {
            OursMin = b * t / ours["none"].Max(), OursMax = b * t / ours["none"].Min(),
            PeerMin = b * t / ours["plain"].Max(), PeerMax = b * t / ours["plain"].Min(),
            PeerConfig = "ours through the blocks' unfused route (forced by caching hook_resid_mid); interleaved rep by rep",
        };
        double packedRate = b * t / Measure.Median(ours["packed"]);
        int fastest = Enumerable.Range(0, peers.Count).OrderBy(i => Measure.Median(theirs[i]["none"])).FirstOrDefault(-1);
        Console.Error.WriteLine($"forward t{threads} {b}x{t} packed: ours {packedRate:F0} tok/s ({packs.Bytes / 1e6:F0} MB of packed weights)");
        yield return new BenchRow($"{b}x{t} packed", threads, packedRate, fastest < 0 ? null : b * t / Measure.Median(theirs[fastest]["none"]), "tokens/s", "PyTorch")
        {
            OursMin = b * t / ours["packed"].Max(), OursMax = b * t / ours["packed"].Min(),
            PeerMin = fastest < 0 ? null : b * t / theirs[fastest]["none"].Max(), PeerMax = fastest < 0 ? null : b * t / theirs[fastest]["none"].Min(),
            PeerConfig = fastest < 0 ? "not installed" : $"ours inside a PrepackedWeights scope ({packs.Bytes / 1e6:F0} MB packed) vs {peers[fastest].Config}; interleaved rep by rep",
        };
        yield return new BenchRow($"{b}x{t} prepack", threads, packedRate, b * t / Measure.Median(ours["none"]), "tokens/s", "packing per call")
        {
            OursMin = b * t / ours["packed"].Max(), OursMax = b * t / ours["packed"].Min(),
            PeerMin = b * t / ours["none"].Max(), PeerMax = b * t / ours["none"].Min(),
            PeerConfig = "ours inside a PrepackedWeights scope vs ours packing each weight on every call; interleaved rep by rep",
        };
        double sessionRate = b * t / Measure.Median(ours["session"]);
        Console.Error.WriteLine($"forward t{threads} {b}x{t} session: ours {sessionRate:F0} tok/s (weights packed once, one logits buffer reused)");
        yield return new BenchRow($"{b}x{t} session", threads, sessionRate, fastest < 0 ? null : b * t / Measure.Median(theirs[fastest]["none"]), "tokens/s", "PyTorch")
        {
            OursMin = b * t / ours["session"].Max(), OursMax = b * t / ours["session"].Min(),
            PeerMin = fastest < 0 ? null : b * t / theirs[fastest]["none"].Max(), PeerMax = fastest < 0 ? null : b * t / theirs[fastest]["none"].Min(),
            PeerConfig = fastest < 0 ? "not installed" : $"ours inside PrepackedWeights and ReusedLogits scopes vs {peers[fastest].Config} (its allocator reuses freed blocks); interleaved rep by rep",
        };
        yield return new BenchRow($"{b}x{t} logits", threads, sessionRate, packedRate, "tokens/s", "fresh logits")
        {
            OursMin = b * t / ours["session"].Max(), OursMax = b * t / ours["session"].Min(),
            PeerMin = b * t / ours["packed"].Max(), PeerMax = b * t / ours["packed"].Min(),
            PeerConfig = "ours with one logits buffer reused vs ours with a fresh logits array per pass, both with weights packed once; interleaved rep by rep",
        };
        Console.Error.WriteLine($"forward t{threads} {b}x{t}: caching every mlp.hook_post costs {100 * (Measure.Median(ours["cache"]) / Measure.Median(ours["none"]) - 1):+0.0;-0.0}% time");
    }

    /// <summary>Ours (seconds per pass) against the faster ONNX Runtime setting, as tokens/s.</summary>
    internal static BenchRow OrtRow(string shape, int tokens, int threads, double[] ours, List<double[]> ort, List<OrtPeer> orts)
    {
        int best = Enumerable.Range(0, orts.Count).OrderBy(i => Measure.Median(ort[i])).First();
        double oursRate = tokens / Measure.Median(ours), peerRate = tokens / Measure.Median(ort[best]);
        Console.Error.WriteLine($"forward t{threads} {shape}: ours {oursRate:F0} tok/s, ONNX Runtime {peerRate:F0} ({orts[best].Config})");
        return new BenchRow(shape, threads, oursRate, peerRate, "tokens/s", "ONNX Runtime")
        {
            OursMin = tokens / ours.Max(), OursMax = tokens / ours.Min(),
            PeerMin = tokens / ort[best].Max(), PeerMax = tokens / ort[best].Min(),
            PeerConfig = $"{orts[best].Config}; interleaved rep by rep, best of {orts.Count} setting(s)",
        };
    }

    // Seconds of one pass: wall, or process CPU under --clock cpu (the peer reports the same kind).
    internal static double Once(CausalLanguageModel model, TokenBatch batch, bool cacheMlp) => Once(model, batch, cacheMlp ? "cache" : "none");

    // Modes: "none" (logits), "cache" (also every mlp.hook_post), "plain" (logits through the
    // unfused route: caching hook_resid_mid keeps every block off its fused route), "packed"
    // (logits inside the caller's PrepackedWeights scope; every other mode runs with it suspended), "session"
    // (inside both the caller's PrepackedWeights and ReusedLogits scopes).
    internal static double Once(CausalLanguageModel model, TokenBatch batch, string mode) => Measure.Time(() =>
    {
        using var _ = GradientTape.NoGrad();
        using var unpacked = mode is "packed" or "session" ? null : PrepackedWeights.Suspend();
        using var freshLogits = mode == "session" ? null : ReusedLogits.Suspend();
        string? cached = mode switch { "cache" => ".mlp.hook_post", "plain" => ".hook_resid_mid", _ => null };
        using var hooks = cached is null ? null : new HookScope().Cache(n => n.EndsWith(cached, StringComparison.Ordinal));
        model.Forward(batch);
    }, 1);

    /// <summary>The peer's fast settings for this thread count, each a running gpt2_forward.py.</summary>
    internal static List<PeerProcess> StartPeers(int threads, string script = "gpt2_forward.py", params string[] extra)
    {
        string n = threads.ToString(CultureInfo.InvariantCulture);
        var settings = threads == 1
            ? new[] { ("1", new Dictionary<string, string>()) }
            : [(n, new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "PASSIVE" }),
               ("1", new Dictionary<string, string> { ["OPENBLAS_NUM_THREADS"] = n, ["OMP_NUM_THREADS"] = "1" })];
        var peers = new List<PeerProcess>();
        foreach (var (torchThreads, env) in settings)
            if (PeerProcess.Start(script, ["--threads", torchThreads, .. extra], env) is { } p) peers.Add(p);
        return peers;
    }
}
