using System.Diagnostics;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;

namespace Interrogate.Bench;

/// <summary>
/// Peak resident memory of loading a 124M-parameter GPT-2 safetensors file (~500 MB) in a fresh
/// process, against the file's size. Row: ours = peak RSS (MB), peer = file size (MB),
/// ratio = RSS / file (target ≤ 1.3). The runtime's own baseline is included, as a user sees it.
/// Then a generated 1.24B-parameter Llama-3.2-1B-shaped checkpoint in BF16 (2.5 GB; kept mapped as
/// stored): peak RSS after loading and after a 1×128 forward against the file (target ≤ 1.15), and
/// its forward tokens/s against the same values in an F32 file (target within 10%), the two
/// loaded in fresh processes taking turns. --filter gpt2 or llama picks one part.
/// </summary>
public sealed class LoadBenchmark : IBenchmark
{
    public string Name => "load";
    public string Description => "peak resident memory loading GPT-2 124M (F32) and a 1.24B Llama in BF16, vs the file size; BF16 forward vs F32";

    private const int ForwardTokens = 128;

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        var rows = new List<BenchRow>();
        if (options.Filter is null || "gpt2".Contains(options.Filter, StringComparison.Ordinal)) rows.AddRange(Gpt2(options));
        if (options.Filter is null || "llama".Contains(options.Filter, StringComparison.Ordinal)) rows.AddRange(Llama1B(options));
        return rows;
    }

    private static IReadOnlyList<BenchRow> Llama1B(BenchOptions options)
    {
        var root = Directory.CreateTempSubdirectory("interrogate-load-1b").FullName;
        try
        {
            string bf16 = Path.Combine(root, "bf16"), f32 = Path.Combine(root, "f32");
            Console.Error.WriteLine($"load: writing a {LlamaCheckpoint.Parameters / 1e9:F2}B-parameter Llama-shaped checkpoint in BF16 and F32 to {root}");
            long bf16Bytes = LlamaCheckpoint.Write(bf16, bf16: true);
            LlamaCheckpoint.Write(f32, bf16: false);
            var (loadPeaks, forwardPeaks, halfSpeed, floatSpeed) = (new double[options.Reps], new double[options.Reps], new double[options.Reps], new double[options.Reps]);
            for (int r = 0; r < options.Reps; r++)
            {
                var half = Child(bf16, ForwardTokens);
                var full = Child(f32, ForwardTokens);
                (loadPeaks[r], forwardPeaks[r], halfSpeed[r], floatSpeed[r]) = (half[0], half[1], half[2], full[2]);
                Console.Error.WriteLine($"load: rep {r + 1}: bf16 peak {half[0] / 1e6:F0} MB after load, {half[1] / 1e6:F0} MB after forward, {half[2]:F1} tok/s; f32 {full[2]:F1} tok/s (peak {full[1] / 1e6:F0} MB)");
            }
            var forward = $"1x{ForwardTokens}";
            return
            [
                new BenchRow("llama-1.24B bf16 load", Environment.ProcessorCount, Measure.Median(loadPeaks) / 1e6, bf16Bytes / 1e6, "MB (RSS vs file)", "file size"),
                new BenchRow($"llama-1.24B bf16 load + forward {forward}", Environment.ProcessorCount, Measure.Median(forwardPeaks) / 1e6, bf16Bytes / 1e6, "MB (RSS vs file)", "file size"),
                new BenchRow($"llama-1.24B forward {forward} bf16 vs f32", Environment.ProcessorCount, Measure.Median(halfSpeed), Measure.Median(floatSpeed), "tokens/s", "same model in F32")
                {
                    OursMin = halfSpeed.Min(), OursMax = halfSpeed.Max(),
                },
            ];
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    private static IReadOnlyList<BenchRow> Gpt2(BenchOptions options)
    {
        var dir = Directory.CreateTempSubdirectory("interrogate-load-bench").FullName;
        try
        {
            Console.Error.WriteLine("load: writing a 124M-parameter GPT-2 to " + dir);
            new Gpt2Model(new Gpt2Config(), seed: 0).Save(dir);
            long fileBytes = new FileInfo(Path.Combine(dir, "model.safetensors")).Length;
            var peaks = new double[options.Reps];
            for (int r = 0; r < options.Reps; r++) peaks[r] = Child(dir, 0)[0];
            double peak = Measure.Median(peaks);
            Console.Error.WriteLine($"load: file {fileBytes / 1e6:F0} MB, peak RSS {peak / 1e6:F0} MB ({peak / fileBytes:F2}x)");
            // Ratio of the row is ours/peer = RSS/file: lower is better here, unlike the throughput rows.
            return [new BenchRow("gpt2-124M load", 1, peak / 1e6, fileBytes / 1e6, "MB (RSS vs file)", "file size")];
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>[peak RSS after load, peak RSS after the forward, forward tokens/s] from a fresh process.</summary>
    private static double[] Child(string dir, int tokens)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(typeof(LoadBenchmark).Assembly.Location);
        psi.ArgumentList.Add("--load-child");
        psi.ArgumentList.Add(dir);
        psi.ArgumentList.Add(tokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"load child failed: {output}");
        return [.. output.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <summary>
    /// Runs in the child: load the folder, note the peak resident set (VmHWM) in bytes; with tokens,
    /// one 4-token warm-up forward, then one timed 1×tokens forward. Prints "loadPeak forwardPeak tokens/s".
    /// </summary>
    public static int ChildMain(string dir, int tokens)
    {
        var model = TransformerLoader.FromDirectory(dir);
        long loadPeak = PeakBytes(), forwardPeak = loadPeak;
        double speed = 0;
        if (tokens > 0)
        {
            using var _ = Interrogate.Tensors.Autodiff.GradientTape.NoGrad();
            var ids = Enumerable.Range(0, tokens).Select(i => (i * 7919 + 13) % model.Dimensions.VocabSize).ToArray();
            model.Forward(ids[..4]);
            var clock = Stopwatch.StartNew();
            model.Forward(ids);
            speed = tokens / clock.Elapsed.TotalSeconds;
            forwardPeak = PeakBytes();
        }
        GC.KeepAlive(model);
        Console.WriteLine(string.Join(' ', new double[] { loadPeak, forwardPeak, speed }.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
        return 0;
    }

    private static long PeakBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return 1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
