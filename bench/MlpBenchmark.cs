using System.Globalization;
using Interrogate.Kernels;
using Interrogate.Models.Mlp;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;

namespace Interrogate.Bench;

/// <summary>
/// MLP 784-256-128-10 (ReLU) training samples/s, batch 64, plain SGD (lr 0.01), random
/// MNIST-shaped data — exactly the peer script mlp_mnist.py, kept running in serve mode and
/// interleaved with ours repetition by repetition. For 2 threads the peer runs at its two fast
/// settings (OMP_WAIT_POLICY=PASSIVE with 2 threads; 1 torch thread with 2 OpenBLAS threads),
/// and each row reports the better one with its configuration.
/// </summary>
public sealed class MlpBenchmark : IBenchmark
{
    private const int Batch = 64, Steps = 300, Rows = 6400, Warmup = 50;

    public string Name => "mlp";
    public string Description => "MLP 784-256-128-10 training samples/s (batch 64, SGD), ours vs PyTorch, interleaved";

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        var rows = new List<BenchRow>();
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            var step = OurStep();
            var peers = ForwardBenchmark.StartPeers(threads, "mlp_mnist.py", "--batch", Batch.ToString(CultureInfo.InvariantCulture));
            try
            {
                for (int i = 0; i < Warmup; i++) step();
                foreach (var p in peers) p.Run("1");
                var ours = new double[options.Reps];
                var theirs = peers.Select(_ => new double[options.Reps]).ToList();
                for (int r = 0; r < options.Reps; r++)
                {
                    ours[r] = Steps * Batch / Measure.Time(step, Steps);
                    for (int i = 0; i < peers.Count; i++) theirs[i][r] = Steps * Batch / peers[i].Run($"{Steps}");
                }
                int best = Enumerable.Range(0, peers.Count).OrderByDescending(i => Measure.Median(theirs[i])).FirstOrDefault(-1);
                double? peer = best < 0 ? null : Measure.Median(theirs[best]);
                Console.Error.WriteLine($"mlp t{threads}: ours {Measure.Median(ours):N0} samples/s, peer {peer?.ToString("N0", CultureInfo.InvariantCulture) ?? "n/a"}");
                rows.Add(new BenchRow($"784-256-128-10 b{Batch}", threads, Measure.Median(ours), peer, "samples/s", "PyTorch")
                {
                    OursMin = ours.Min(), OursMax = ours.Max(),
                    PeerMin = best < 0 ? null : theirs[best].Min(), PeerMax = best < 0 ? null : theirs[best].Max(),
                    PeerConfig = best < 0 ? "not installed" : $"{peers[best].Config}; interleaved rep by rep ({Steps} steps each), best of {peers.Count} setting(s)",
                });
            }
            finally
            {
                foreach (var p in peers) p.Dispose();
            }
        }
        return rows;
    }

    // One SGD step of our model on the next batch of random MNIST-shaped rows.
    private static Action OurStep()
    {
        var rng = new TensorRandom(0);
        var x = rng.Uniform([Rows, 784], 0f, 1f);
        var y = Enumerable.Range(0, Rows).Select(_ => rng.NextInt(10)).ToArray();
        var model = new MlpClassifier(new MlpConfig { HiddenSizes = [256, 128] }, 0);
        var sgd = new Sgd(model.NamedParameters(), 0.01f);
        int position = 0;
        return () =>
        {
            int start = position * Batch % Rows;
            position++;
            var xb = x.Slice(0, start, Batch);
            using var tape = new GradientTape();
            var loss = model.Forward(xb).CrossEntropy(y.AsSpan(start, Batch).ToArray());
            tape.Backward(loss);
            sgd.Step();
            sgd.ZeroGrad();
        };
    }
}
