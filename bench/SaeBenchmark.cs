using System.Globalization;
using Interrogate.Features;
using Interrogate.Kernels;
using Interrogate.Tensors;

namespace Interrogate.Bench;

/// <summary>
/// TopK sparse-autoencoder training tokens/s (k 32, batch 4,096, Adam, unit-norm decoder) on random
/// activations, ours (<see cref="DictionaryTrainer"/>: one dense encoder GEMM, sparse decoder and
/// backward) beside the PyTorch peer peers/sae_train.py (dense autograd), which runs the same step.
/// The peer runs one repetition per call, interleaved with ours repetition by repetition; the
/// large shapes take fewer steps per repetition so a row stays within minutes.
/// </summary>
public sealed class SaeBenchmark : IBenchmark
{
    private const int K = 32, Batch = 4096;
    private static readonly (int D, int Latents, int Steps)[] Shapes = [(128, 4096, 10), (128, 24576, 3), (768, 4096, 4), (768, 24576, 2)];

    public string Name => "sae";
    public string Description => "TopK SAE training tokens/s (d 128/768, 4,096/24,576 latents, k 32, batch 4,096), ours vs PyTorch";

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        var rows = new List<BenchRow>();
        foreach (var (d, latents, steps) in Shapes)
        {
            string shape = $"d{d} m{latents} k{K} b{Batch}";
            if (options.Filter is { } f && !shape.Contains(f, StringComparison.Ordinal)) continue;
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                var trainer = Setup(d, latents, out var x);
                trainer.TrainStep(x, x);   // warm-up: JIT, buffers
                var ours = new double[options.Reps];
                var peer = new List<double>();
                for (int r = 0; r < options.Reps; r++)
                {
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    for (int s = 0; s < steps; s++) trainer.TrainStep(x, x);
                    ours[r] = steps * Batch / clock.Elapsed.TotalSeconds;
                    if (Peer(d, latents, threads, steps) is double p) peer.Add(p);
                }
                double? peerMedian = peer.Count > 0 ? Measure.Median([.. peer]) : null;
                Console.Error.WriteLine($"sae {shape} t{threads}: ours {Measure.Median(ours):N0} tokens/s, peer {peerMedian?.ToString("N0", CultureInfo.InvariantCulture) ?? "n/a"}");
                rows.Add(new BenchRow(shape, threads, Measure.Median(ours), peerMedian, "tokens/s", "PyTorch")
                {
                    OursMin = ours.Min(), OursMax = ours.Max(),
                    PeerMin = peer.Count > 0 ? peer.Min() : null, PeerMax = peer.Count > 0 ? peer.Max() : null,
                    PeerConfig = peer.Count == 0 ? "not installed" : $"bench/peers/sae_train.py (dense autograd), {threads} torch thread(s), OPENBLAS_CORETYPE={Machine.OpenBlasCoreType() ?? "auto"}; interleaved repetition by repetition",
                });
            }
        }
        return rows;
    }

    private static DictionaryTrainer Setup(int d, int latents, out float[] x)
    {
        var rng = new TensorRandom(0);
        x = rng.Normal([Batch, d]).ToArray();
        var dict = new SparseDictionary(d, d, latents, DictionaryActivation.TopK, K);
        DictionaryInit.Apply(dict, x, Batch, geometricMedian: false, threshold: 0f, seed: 1);
        // As the peer: Adam at 1e-4 from the first step (no warm-up or decay), no dead latents yet.
        return new DictionaryTrainer(dict, new DictionaryTrainingOptions { LearningRate = 1e-4f, WarmupSteps = 0, DecayFraction = 0 }, Batch, long.MaxValue);
    }

    // One peer repetition of the same shape and steps (after its own 3 warm-up steps); its median tokens/s.
    private static double? Peer(int d, int latents, int threads, int steps)
    {
        var inv = CultureInfo.InvariantCulture;
        string[] args = ["--d", d.ToString(inv), "--latents", latents.ToString(inv), "--k", K.ToString(inv), "--batch", Batch.ToString(inv),
            "--threads", threads.ToString(inv), "--reps", "1", "--steps", steps.ToString(inv)];
        var row = PeerScripts.Row(PeerScripts.RunScript("sae_train.py", args, new Dictionary<string, string>()), "sae", d.ToString(inv), latents.ToString(inv));
        // columns: sae d latents k batch threads median min max
        return row is { Length: >= 7 } && !double.IsNaN(row[6]) ? row[6] : null;
    }
}
