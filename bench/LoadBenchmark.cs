using System.Diagnostics;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;

namespace Interrogate.Bench;

/// <summary>
/// Peak resident memory of loading a 124M-parameter GPT-2 safetensors file (~500 MB) in a fresh
/// process, against the file's size. Row: ours = peak RSS (MB), peer = file size (MB),
/// ratio = RSS / file (target ≤ 1.3). The runtime's own baseline is included, as a user sees it.
/// </summary>
public sealed class LoadBenchmark : IBenchmark
{
    public string Name => "load";
    public string Description => "peak resident memory loading a 124M-parameter GPT-2 safetensors file, vs the file size";

    public IReadOnlyList<BenchRow> Run(BenchOptions options)
    {
        var dir = Directory.CreateTempSubdirectory("interrogate-load-bench").FullName;
        try
        {
            Console.Error.WriteLine("load: writing a 124M-parameter GPT-2 to " + dir);
            new Gpt2Model(new Gpt2Config(), seed: 0).Save(dir);
            long fileBytes = new FileInfo(Path.Combine(dir, "model.safetensors")).Length;
            var peaks = new double[options.Reps];
            for (int r = 0; r < options.Reps; r++) peaks[r] = ChildPeakBytes(dir);
            double peak = Measure.Median(peaks);
            Console.Error.WriteLine($"load: file {fileBytes / 1e6:F0} MB, peak RSS {peak / 1e6:F0} MB ({peak / fileBytes:F2}x)");
            // Ratio of the row is ours/peer = RSS/file: lower is better here, unlike the throughput rows.
            return [new BenchRow("gpt2-124M load", 1, peak / 1e6, fileBytes / 1e6, "MB (RSS vs file)", "file size")];
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static double ChildPeakBytes(string dir)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(typeof(LoadBenchmark).Assembly.Location);
        psi.ArgumentList.Add("--load-child");
        psi.ArgumentList.Add(dir);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"load child failed: {output}");
        return double.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs in the child: load the folder, report the peak resident set (VmHWM) in bytes.</summary>
    public static int ChildMain(string dir)
    {
        var model = TransformerLoader.FromDirectory(dir);
        GC.KeepAlive(model);
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        long kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        Console.WriteLine((kb * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    }
}
