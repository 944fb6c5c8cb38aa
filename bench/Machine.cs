using System.Runtime.InteropServices;
using Interrogate.Kernels;

namespace Interrogate.Bench;

/// <summary>
/// The CPU the bench runs on and the settings that give each peer its best kernel there. OpenBLAS
/// 0.3.21 misdetects some current CPUs (e.g. an AVX-512 Intel part as "Prescott", about 35 GFLOP/s
/// on 2 threads where its Cooperlake kernel gives about 240), and leaves AMD Zen 4 (AVX-512 with
/// BF16) on its AVX2 "Zen" kernels, so the core type is named from the instruction set: Cooperlake
/// on AVX512-BF16, SkylakeX on AVX-512 (both vendors, as later OpenBLAS releases do for Zen 4), Zen
/// on AMD with AVX2, Haswell on Intel with AVX2 (Zen and Haswell share OpenBLAS's kernels). Set only in the peer's environment (the in-process OpenBLAS that only the peer calls, and
/// the PyTorch peer processes), never for ours and never in tests. An OPENBLAS_CORETYPE inherited
/// from the shell is NOT kept: a machine seen here exports OPENBLAS_CORETYPE=Haswell globally, which
/// halves the peer on an AVX-512 part. To force another core type for the peer, set
/// INTERROGATE_PEER_OPENBLAS_CORETYPE.
/// </summary>
public static class Machine
{
    private static readonly Lazy<(string Model, string Vendor, HashSet<string> Flags)> cpu = new(ReadCpuInfo);

    public static string CpuModel => cpu.Value.Model;

    /// <summary>One line: the CPU, our GEMM kernel chosen at run time, and the core count.</summary>
    public static string Describe() => $"cpu: {CpuModel} ({Environment.ProcessorCount} logical cores, {(cpu.Value.Flags.Contains("avx512f") ? "AVX-512" : cpu.Value.Flags.Contains("avx2") ? "AVX2" : "no AVX2")}); ours: gemm kernel {GemmKernel.Current} (chosen at run time)";

    /// <summary>The OPENBLAS_CORETYPE for this CPU, or null where OpenBLAS's own detection is left alone.</summary>
    public static string? OpenBlasCoreType()
    {
        if (Environment.GetEnvironmentVariable("INTERROGATE_PEER_OPENBLAS_CORETYPE") is { Length: > 0 } set) return set;
        var (_, vendor, flags) = cpu.Value;
        bool avx512 = flags.Contains("avx512f") && flags.Contains("avx512vl") && flags.Contains("avx512bw") && flags.Contains("avx512dq");
        if (avx512 && flags.Contains("avx512_bf16")) return "Cooperlake";
        if (avx512) return "SkylakeX";
        if (!flags.Contains("avx2") || !flags.Contains("fma")) return null;
        if (vendor is "AuthenticAMD" or "HygonGenuine") return "Zen";
        if (vendor == "GenuineIntel") return "Haswell";
        return null;
    }

    /// <summary>A peer process's environment: the given settings plus the core type for this CPU.</summary>
    public static Dictionary<string, string> PeerEnvironment(IDictionary<string, string>? settings = null)
    {
        var env = new Dictionary<string, string>(settings ?? new Dictionary<string, string>());
        if (OpenBlasCoreType() is { } core) env["OPENBLAS_CORETYPE"] = core;
        return env;
    }

    /// <summary>
    /// Runs this bench again as a child process with OPENBLAS_CORETYPE in its environment when this
    /// CPU needs a core type the environment does not already hold, and returns the child's exit code; null when nothing
    /// needs doing. OpenBLAS reads the variable with getenv when it loads, and setting it from inside
    /// .NET did not reach it on a Zen 5 EPYC (it ran its Haswell kernel at about half speed), so the
    /// in-process peer gets it the only sure way: from the environment it starts with. Ours never
    /// calls OpenBLAS in that bench, so the setting reaches only the peer.
    /// </summary>
    public static int? PeerRelaunch(string[] args)
    {
        if (OperatingSystem.IsWindows() || OpenBlasCoreType() is not { } core || Environment.ProcessPath is not { } host) return null;
        string? inherited = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE");
        if (inherited == core) return null;
        var start = new System.Diagnostics.ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(Machine).Assembly.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["OPENBLAS_CORETYPE"] = core;
        Console.Error.WriteLine($"bench: running again with OPENBLAS_CORETYPE={core} for the OpenBLAS peer" + (inherited is { Length: > 0 } ? $" (the environment had {inherited})" : ""));
        using var child = System.Diagnostics.Process.Start(start)!;
        child.WaitForExit();
        return child.ExitCode;
    }

    /// <summary>The loaded OpenBLAS's own description and chosen kernel, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... core Zen".</summary>
    public static string OpenBlasDescription()
    {
        foreach (var name in new[] { "libopenblas.so.0", "libopenblas.so" })
        {
            if (!NativeLibrary.TryLoad(name, out nint handle)) continue;
            string config = NativeLibrary.TryGetExport(handle, "openblas_get_config", out nint c) ? Call(c) : "OpenBLAS";
            string core = NativeLibrary.TryGetExport(handle, "openblas_get_corename", out nint k) ? Call(k) : "?";
            var parts = config.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return $"{string.Join(' ', parts.Take(2))} core {core}" + $" (OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "unset"})";
        }
        return "OpenBLAS not installed";
    }

    private static unsafe string Call(nint function) => Marshal.PtrToStringAnsi((nint)((delegate* unmanaged<byte*>)function)()) ?? "?";

    private static (string, string, HashSet<string>) ReadCpuInfo()
    {
        string model = RuntimeInformation.ProcessArchitecture.ToString(), vendor = "";
        var flags = new HashSet<string>();
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                var (key, value) = line.IndexOf(':') is int at and > 0 ? (line[..at].Trim(), line[(at + 1)..].Trim()) : ("", "");
                if (key == "model name" && model == RuntimeInformation.ProcessArchitecture.ToString()) model = value;
                else if (key == "vendor_id" && vendor.Length == 0) vendor = value;
                else if (key == "flags" && flags.Count == 0) flags.UnionWith(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return (model, vendor, flags);
    }
}
