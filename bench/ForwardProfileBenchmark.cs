using System.Globalization;
using Interrogate.Kernels;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Bench;

/// <summary>
/// Where one GPT-2-small forward pass spends its time: the whole pass beside each of its matrix
/// products and its attention kernel run alone on the same operands (the model's own weights), so
/// the rest (norms, bias and residual passes, allocation, thread hand-offs) is the difference.
/// No peer: the rows compare each stage against the whole pass (Peer = whole-pass seconds).
/// </summary>
public sealed class ForwardProfileBenchmark : IBenchmark
{
    public string Name => "forward-profile";
    public string Description => "GPT-2-small 1x128 (or --filter 8x128) forward: ms per pass in each matrix product, attention, and the rest";

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        var (b, t) = options.Filter == "8x128" ? (8, 128) : (1, 128);
        var model = new Gpt2Model(new Gpt2Config(), seed: 0);
        var ids = Enumerable.Range(0, b * t).Select(i => (int)((i * 7919L + 13) % 50257)).ToArray();
        var batch = new TokenBatch(ids, b, t);
        int rows = b * t, d = model.Dimensions.DModel;
        var block = model.Blocks[0];
        var mlp = (DenseMlp)block.Mlp;
        var x = Noise([b, t, d], 1);
        var wide = Noise([b, t, mlp.Width], 2);
        var qkv = Noise([b, t, block.Attn.Qkv.OutFeatures], 3);
        int layers = model.Blocks.Count;
        var logits = Tensor.Zeros(b, t, model.Dimensions.VocabSize);
        var stages = new (string Name, int PerPass, Action Run)[]
        {
            ("whole pass", 1, () => Plain(() => model.Forward(batch))),
            ("whole pass prepacked", 1, () => model.Forward(batch)),
            ("unembed prepacked", 1, () => x.Linear(model.UnembedWeight)),
            ("unembed prepacked into", 1, () => Ops.LinearInto(x, model.UnembedWeight, null, logits)),
            ("unembed into", 1, () => Plain(() => Ops.LinearInto(x, model.UnembedWeight, null, logits))),
            ("mlp in prepacked", layers, () => x.Linear(mlp.In.Weight)),
            ("qkv 768->2304", layers, () => Plain(() => x.Linear(block.Attn.Qkv.Weight))),
            ("attn out 768->768", layers, () => Plain(() => x.Linear(block.Attn.Out.Weight))),
            ("mlp in 768->3072", layers, () => Plain(() => x.Linear(mlp.In.Weight))),
            ("mlp out 3072->768", layers, () => Plain(() => wide.Linear(mlp.Out.Weight))),
            ("unembed 768->50257", 1, () => Plain(() => x.Linear(model.UnembedWeight))),
            ("attention T=128", layers, () => Plain(() => qkv.CausalSelfAttention(block.Attn.Heads, block.Attn.KeyValueHeads, block.Attn.HeadDim))),
        };
        var rowsOut = new List<BenchRow>();
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            using var _ = GradientTape.NoGrad();
            using var packs = new PrepackedWeights();
            var seconds = stages.Select(_ => new double[options.Reps]).ToArray();
            for (int w = 0; w < 2; w++) foreach (var s in stages) s.Run();
            var faults = new long[stages.Length];
            for (int r = 0; r < options.Reps; r++)
                for (int i = 0; i < stages.Length; i++)
                {
                    long before = MinorFaults();
                    seconds[i][r] = Measure.Time(stages[i].Run, 1) * stages[i].PerPass;
                    faults[i] += (MinorFaults() - before) * stages[i].PerPass;
                }
            double whole = Measure.Median(seconds[0]), parts = 0;
            for (int i = 0; i < stages.Length; i++)
            {
                double ms = 1e3 * Measure.Median(seconds[i]);
                if (i > 0 && !stages[i].Name.Contains("prepacked", StringComparison.Ordinal)) parts += ms;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"forward-profile t{threads} {b}x{t} {stages[i].Name,-24} {ms,8:F1} ms per pass, {faults[i] / options.Reps,7} page faults"));
                rowsOut.Add(new BenchRow($"{b}x{t} {stages[i].Name}", threads, ms, 1e3 * whole, "ms/pass", "whole pass"));
            }
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"forward-profile t{threads} {b}x{t} {"rest",-24} {1e3 * whole - parts,8:F1} ms per pass"));
            rowsOut.Add(new BenchRow($"{b}x{t} rest", threads, 1e3 * whole - parts, 1e3 * whole, "ms/pass", "whole pass"));
        }
        return rowsOut;
    }

    // Minor page faults of this process so far (Linux /proc/self/stat field 10; 0 elsewhere):
    // a fresh large array is zeroed by the kernel page by page on first touch.
    private static long MinorFaults()
    {
        try { return long.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[7], CultureInfo.InvariantCulture); }
        catch (IOException) { return 0; }
    }

    private static void Plain(Action run)
    {
        using var _ = PrepackedWeights.Suspend();
        run();
    }

    private static Tensor Noise(int[] shape, ulong seed)
    {
        var rng = new TensorRandom(seed);
        var values = new float[shape.Aggregate(1, (a, v) => a * v)];
        for (int i = 0; i < values.Length; i++) values[i] = (float)rng.NextNormal();
        return Tensor.FromArray(values, shape);
    }
}
