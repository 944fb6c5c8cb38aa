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
/// peer bench/peers/train_step.py (PyTorch, the same model and optimizer) kept running in serve
/// mode and interleaved with ours repetition by repetition. For 2 threads the peer runs at its two
/// fast settings (OMP_WAIT_POLICY=PASSIVE; 1 torch thread with 2 OpenBLAS threads), better one reported.
/// </summary>
public sealed class TrainStepBenchmark : IBenchmark
{
    private const int Batch = 8, Seq = 256, Warmup = 2, Steps = 3;
    private static readonly int[] Vocabs = [50257, 512];

    public string Name => "train";
    public string Description => "GPT 4x256 training step tokens/s (batch 8x256, AdamW), vocab 50257 and 512, ours vs PyTorch, interleaved";

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
                var step = OurStep(vocab);
                var peers = ForwardBenchmark.StartPeers(threads, "train_step.py", "--vocab", $"{vocab}", "--batch", $"{Batch}", "--seq", $"{Seq}");
                try
                {
                    for (int w = 0; w < Warmup; w++) { step(); foreach (var p in peers) p.Run("1"); }
                    var ours = new double[options.Reps];
                    var theirs = peers.Select(_ => new double[options.Reps]).ToList();
                    for (int r = 0; r < options.Reps; r++)
                    {
                        ours[r] = Steps * Batch * Seq / Measure.Time(step, Steps);
                        for (int i = 0; i < peers.Count; i++) theirs[i][r] = Steps * Batch * Seq / peers[i].Run($"{Steps}");
                    }
                    int best = Enumerable.Range(0, peers.Count).OrderByDescending(i => Measure.Median(theirs[i])).FirstOrDefault(-1);
                    double? peer = best < 0 ? null : Measure.Median(theirs[best]);
                    Console.Error.WriteLine($"train {shape} t{threads}: ours {Measure.Median(ours):N0} tokens/s, peer {peer?.ToString("N0", CultureInfo.InvariantCulture) ?? "n/a"}");
                    rows.Add(new BenchRow(shape, threads, Measure.Median(ours), peer, "tokens/s", "PyTorch")
                    {
                        OursMin = ours.Min(), OursMax = ours.Max(),
                        PeerMin = best < 0 ? null : theirs[best].Min(), PeerMax = best < 0 ? null : theirs[best].Max(),
                        PeerConfig = best < 0 ? "not installed" : $"{peers[best].Config}; interleaved rep by rep, best of {peers.Count} setting(s)",
                    });
                }
                finally
                {
                    foreach (var p in peers) p.Dispose();
                }
            }
        }
        return rows;
    }

    private static Action OurStep(int vocab)
    {
        var model = new Gpt2Model(new Gpt2Config { VocabSize = vocab, ContextLength = Seq, DModel = 256, Layers = 4, Heads = 4 }, 0);
        var optimizer = LanguageModelTrainer.CreateOptimizer(model, new LanguageModelTrainingOptions { LearningRate = 3e-4f, WeightDecay = 0.01f });
        var rng = new TensorRandom(1);
        var batch = new TokenBatch([.. Enumerable.Range(0, Batch * Seq).Select(_ => rng.NextInt(vocab))], Batch, Seq);
        model.SetTraining(true);
        return () =>
        {
            using (var tape = new GradientTape()) tape.Backward(CausalLanguageModel.NextTokenLoss(model.Forward(batch), batch));
            optimizer.Step();
            optimizer.ZeroGrad();
        };
    }
}
