using System.Globalization;
using Interrogate.Kernels;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;
using Interrogate.Training.LanguageModel;

namespace Interrogate.Bench;

/// <summary>
/// One training step (forward, next-token cross-entropy, backward, AdamW) of a 4-layer, 256-wide,
/// 4-head GPT with tied embedding, batch 8 × 256 tokens, vocab 50257 and 512: tokens/s, beside the
/// peer script train_step.py (PyTorch, the same model and optimizer). For 2 threads the peer runs at
/// its two fast settings (OMP_WAIT_POLICY=PASSIVE; 1 torch thread with 2 OpenBLAS threads), best taken.
/// </summary>
public sealed class TrainStepBenchmark : IBenchmark
{
    private const int Batch = 8, Seq = 256, Warmup = 2, Steps = 3;
    private static readonly int[] Vocabs = [50257, 512];

    public string Name => "train";
    public string Description => "GPT 4x256 training step tokens/s (batch 8x256, AdamW), vocab 50257 and 512, ours vs PyTorch";

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        var rows = new List<BenchRow>();
        foreach (int vocab in Vocabs)
        {
            var shape = $"v{vocab} b{Batch}x{Seq}";
            if (options.Filter is { } f && !shape.Contains(f, StringComparison.Ordinal)) continue;
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                var ours = MeasureOurs(vocab, options.Reps);
                var peer = MeasurePeer(vocab, threads, options.Reps);
                Console.Error.WriteLine($"train {shape} t{threads}: ours {Measure.Median(ours):N0} tokens/s, peer {peer?.ToString("N0", CultureInfo.InvariantCulture) ?? "n/a"}");
                rows.Add(new BenchRow(shape, threads, Measure.Median(ours), peer, "tokens/s", "PyTorch") { OursMin = ours.Min(), OursMax = ours.Max() });
            }
        }
        return rows;
    }

    private static double[] MeasureOurs(int vocab, int reps)
    {
        var model = new Gpt2Model(new Gpt2Config { VocabSize = vocab, ContextLength = Seq, DModel = 256, Layers = 4, Heads = 4 }, 0);
        var optimizer = LanguageModelTrainer.CreateOptimizer(model, new LanguageModelTrainingOptions { LearningRate = 3e-4f, WeightDecay = 0.01f });
        var rng = new TensorRandom(1);
        var batch = new TokenBatch([.. Enumerable.Range(0, Batch * Seq).Select(_ => rng.NextInt(vocab))], Batch, Seq);
        model.SetTraining(true);
        void Step()
        {
            using (var tape = new GradientTape()) tape.Backward(CausalLanguageModel.NextTokenLoss(model.Forward(batch), batch));
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        for (int i = 0; i < Warmup; i++) Step();
        var result = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < Steps; i++) Step();
            result[r] = Steps * Batch * Seq / clock.Elapsed.TotalSeconds;
        }
        return result;
    }

    private static double? MeasurePeer(int vocab, int threads, int reps)
    {
        string Arg(int v) => v.ToString(CultureInfo.InvariantCulture);
        var settings = threads == 1
            ? new[] { (Threads: 1, Env: new Dictionary<string, string>()) }
            : [(threads, new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "PASSIVE" }),
               (1, new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "1", ["OPENBLAS_NUM_THREADS"] = Arg(threads) })];
        double? best = null;
        foreach (var (torchThreads, env) in settings)
        {
            string[] args = ["--vocab", Arg(vocab), "--threads", Arg(torchThreads), "--reps", Arg(Math.Max(3, reps)), "--batch", Arg(Batch), "--seq", Arg(Seq)];
            // columns: vocab, batch, seq, thr t/b, ms@min, ms@median, tok/s@min, tok/s@median, loss
            var row = PeerScripts.Row(PeerScripts.RunScript("train_step.py", args, env), Arg(vocab), Arg(Batch), Arg(Seq));
            if (row is { Length: >= 8 } && !double.IsNaN(row[7])) best = Math.Max(best ?? 0, row[7]);
        }
        return best;
    }
}
