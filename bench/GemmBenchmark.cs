using Interrogate.Kernels;

namespace Interrogate.Bench;

/// <summary>
/// SGEMM GFLOP/s: our managed kernel beside OpenBLAS cblas_sgemm, same process, same buffers,
/// interleaved. Shapes: 256³, 512³, 1024³ and GPT-2-small's projections (M = 1024 tokens), NN and NT
/// (B transposed, as Linear layers call it), and its NT products for one window of 128 tokens.
/// </summary>
public sealed class GemmBenchmark : IBenchmark
{
    public string Name => "gemm";
    public string Description => "SGEMM GFLOP/s, ours vs OpenBLAS, 1024^3 and GPT-2-small shapes, NN/NT";

    private static readonly (string Name, int M, int K, int N, bool TransB)[] Cases =
    [
        ("sq256 NN", 256, 256, 256, false),
        ("sq512 NN", 512, 512, 512, false),
        ("sq1024 NN", 1024, 1024, 1024, false),
        ("gpt2_mlp_in 1024x768x3072 NN", 1024, 768, 3072, false),
        ("gpt2_mlp_out 1024x3072x768 NN", 1024, 3072, 768, false),
        ("gpt2_attn_o 1024x768x768 NN", 1024, 768, 768, false),
        ("gpt2_mlp_in 1024x768x3072 NT", 1024, 768, 3072, true),
        ("gpt2_mlp_out 1024x3072x768 NT", 1024, 3072, 768, true),
        ("gpt2_attn_o 1024x768x768 NT", 1024, 768, 768, true),
        // One window of 128 tokens (forward 1x128): thin products where packing the weights weighs more.
        ("gpt2_qkv 128x768x2304 NT", 128, 768, 2304, true),
        ("gpt2_mlp_in 128x768x3072 NT", 128, 768, 3072, true),
        ("gpt2_mlp_out 128x3072x768 NT", 128, 3072, 768, true),
        ("gpt2_unembed 128x768x50257 NT", 128, 768, 50257, true),
    ];

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        bool peerAvailable = OpenBlas.IsAvailable;
        string peerKernel = peerAvailable ? Machine.OpenBlasDescription() : "not installed";
        Console.Error.WriteLine($"gemm: kernel {GemmKernel.Current}, peer {peerKernel}");
        // Program relaunches this bench with the core type in its environment (Machine.PeerRelaunch);
        // if OpenBLAS still did not take it, say so rather than report a weak peer.
        if (peerAvailable && Machine.OpenBlasCoreType() is { } wanted && !peerKernel.Contains($"core {wanted}", StringComparison.OrdinalIgnoreCase))
            Console.Error.WriteLine($"gemm: warning: OpenBLAS did not take core type {wanted}; run with OPENBLAS_CORETYPE={wanted} in the environment");
        var rows = new List<BenchRow>();
        foreach (var (name, m, k, n, transB) in Cases)
        {
            if (options.Filter is { } f && !name.Contains(f, StringComparison.OrdinalIgnoreCase)) continue;
            var rng = new Random(1);
            float[] a = Random(rng, m * k), b = Random(rng, k * n), c = new float[m * n];
            int ldb = transB ? k : n;
            double flops = 2.0 * m * n * k;
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                if (peerAvailable) OpenBlas.SetThreads(threads);
                Action ours = () => Ours(transB, m, n, k, a, b, ldb, c);
                Action? peer = peerAvailable ? () => Peer(transB, m, n, k, a, b, ldb, c) : null;
                // OpenBLAS workers spin for a while after a call; let them go idle before we run.
                var (o, p) = Measure.Interleaved(ours, peer, options.Reps, options.MinSeconds, peerAvailable ? () => Thread.Sleep(200) : null);
                rows.Add(MakeRow(name, threads, flops, o, p) with { PeerConfig = $"{peerKernel}, {threads} thread(s)" });
            }
        }
        if (options.Filter is null || BatchedName.Contains(options.Filter, StringComparison.OrdinalIgnoreCase))
            rows.AddRange(RunBatched(options, peerAvailable).Select(r => r with { PeerConfig = $"{peerKernel}, {r.Threads} thread(s), one cblas_sgemm per head" }));
        return rows;
    }

    // Attention scores for one GPT-2 layer: 12 heads of Q·Kᵀ, [128, 64] · [128, 64]ᵀ. The peer
    // has no batched call in CBLAS, so it loops cblas_sgemm (each call then uses its threads).
    private const string BatchedName = "attn_qk 12x(128x64x128) NT batched";

    private static IEnumerable<BenchRow> RunBatched(BenchOptions options, bool peerAvailable)
    {
        const int heads = 12, t = 128, d = 64;
        var rng = new Random(2);
        float[] q = Random(rng, heads * t * d), kk = Random(rng, heads * t * d), s = new float[heads * t * t];
        double flops = 2.0 * heads * t * t * d;
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            if (peerAvailable) OpenBlas.SetThreads(threads);
            Action ours = () => Gemm.MultiplyBatched(false, true, t, t, d, 1f, q, d, t * d, kk, d, t * d, 0f, s, t, t * t, heads);
            Action? peer = peerAvailable ? () => PeerBatched(q, kk, s, heads, t, d) : null;
            var (o, p) = Measure.Interleaved(ours, peer, options.Reps, options.MinSeconds, peerAvailable ? () => Thread.Sleep(200) : null);
            yield return MakeRow(BatchedName, threads, flops, o, p);
        }
    }

    private static unsafe void PeerBatched(float[] q, float[] k, float[] s, int heads, int t, int d)
    {
        fixed (float* pq = q, pk = k, ps = s)
            for (int h = 0; h < heads; h++)
                OpenBlas.Sgemm(false, true, t, t, d, 1f, pq + h * t * d, d, pk + h * t * d, d, 0f, ps + h * t * t, t);
    }

    private static BenchRow MakeRow(string name, int threads, double flops, double[] o, double[]? p)
    {
        var row = new BenchRow(name, threads, Gflops(flops, Measure.Median(o)), p is null ? null : Gflops(flops, Measure.Median(p)), "GFLOP/s", "openblas")
        {
            OursMin = Gflops(flops, o.Max()), OursMax = Gflops(flops, o.Min()),
            PeerMin = p is null ? null : Gflops(flops, p.Max()), PeerMax = p is null ? null : Gflops(flops, p.Min()),
        };
        Console.Error.WriteLine($"  {name} t{threads}: ours {row.Ours:F1}  peer {row.Peer:F1}  ratio {row.Ratio:F2}");
        return row;
    }

    private static void Ours(bool transB, int m, int n, int k, float[] a, float[] b, int ldb, float[] c) =>
        Gemm.Multiply(false, transB, m, n, k, 1f, a, k, b, ldb, 0f, c, n);

    private static unsafe void Peer(bool transB, int m, int n, int k, float[] a, float[] b, int ldb, float[] c)
    {
        fixed (float* pa = a, pb = b, pc = c)
            OpenBlas.Sgemm(false, transB, m, n, k, 1f, pa, k, pb, ldb, 0f, pc, n);
    }

    private static double Gflops(double flops, double seconds) => Math.Round(flops / seconds * 1e-9, 2);

    private static float[] Random(Random rng, int count)
    {
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float)(rng.NextDouble() - 0.5);
        return x;
    }
}
