using Interrogate.Kernels;
using Interrogate.Models.Mlp;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;

namespace Interrogate.Bench;

/// <summary>
/// MLP 784-256-128-10 (ReLU) training samples/s, batch 64, plain SGD (lr 0.01), random
/// MNIST-shaped data — exactly the peer script mlp_mnist.py, which runs PyTorch in the same run.
/// For 2 threads the peer is run at its two fast settings (OMP_WAIT_POLICY=PASSIVE with 2 threads,
/// and 1 torch thread with 2 OpenBLAS threads) and the faster one is the peer.
/// </summary>
public sealed class MlpBenchmark : IBenchmark
{
    private const int Batch = 64, Steps = 300, Rows = 6400;

    public string Name => "mlp";
    public string Description => "MLP 784-256-128-10 training samples/s (batch 64, SGD), ours vs PyTorch";

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        var rows = new List<BenchRow>();
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            var ours = MeasureOurs(options.Reps);
            var peer = MeasurePeer(threads, options.Reps);
            Console.Error.WriteLine($"mlp t{threads}: ours {Measure.Median(ours):N0} samples/s, peer {peer?.ToString("N0") ?? "n/a"}");
            rows.Add(new BenchRow($"784-256-128-10 b{Batch}", threads, Measure.Median(ours), peer, "samples/s", "PyTorch")
            {
                OursMin = ours.Min(), OursMax = ours.Max(),
                PeerConfig = peer is null ? "not installed" : $"bench/peers/mlp_mnist.py, {threads} thread(s), OPENBLAS_CORETYPE={Machine.OpenBlasCoreType() ?? "auto"}; run as one block after ours (not interleaved)",
            });
        }
        return rows;
    }

    private static double[] MeasureOurs(int reps)
    {
        var rng = new TensorRandom(0);
        var x = rng.Uniform([Rows, 784], 0f, 1f);
        var y = Enumerable.Range(0, Rows).Select(_ => rng.NextInt(10)).ToArray();
        var model = new MlpClassifier(new MlpConfig { HiddenSizes = [256, 128] }, 0);
        var sgd = new Sgd(model.NamedParameters(), 0.01f);
        int position = 0;
        void Step()
        {
            int start = position * Batch % Rows;
            position++;
            var xb = x.Slice(0, start, Batch);
            using var tape = new GradientTape();
            var loss = model.Forward(xb).CrossEntropy(y.AsSpan(start, Batch).ToArray());
            tape.Backward(loss);
            sgd.Step();
            sgd.ZeroGrad();
        }
        for (int i = 0; i < 50; i++) Step();
        var result = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < Steps; i++) Step();
            result[r] = Steps * Batch / clock.Elapsed.TotalSeconds;
        }
        return result;
    }

    private static double? MeasurePeer(int threads, int reps)
    {
        string[] args = ["--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--reps", reps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--steps", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var settings = threads == 1
            ? new[] { new Dictionary<string, string>() }
            : [new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "PASSIVE" },
               new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "1", ["OPENBLAS_NUM_THREADS"] = "2" }];
        double? best = null;
        foreach (var env in settings)
        {
            var args2 = threads == 2 && env.ContainsKey("OPENBLAS_NUM_THREADS") ? args.Select(a => a).ToArray() : args;
            if (env.ContainsKey("OPENBLAS_NUM_THREADS")) args2[1] = "1";
            var row = PeerScripts.Row(PeerScripts.RunScript("mlp_mnist.py", args2, Machine.PeerEnvironment(env)), Batch.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // columns: batch, thr, us/step@min, us/step@med, samples/s@min, samples/s@median, loss
            if (row is { Length: >= 6 } && !double.IsNaN(row[5])) best = Math.Max(best ?? 0, row[5]);
        }
        return best;
    }
}
