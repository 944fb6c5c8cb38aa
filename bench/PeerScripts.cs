using System.Diagnostics;
using System.Globalization;

namespace Interrogate.Bench;

/// <summary>
/// Runs the peer scripts of bench/peers (PyTorch on Debian's python3) and reads their result
/// lines. Absent peers give null, so a benchmark still reports our side.
/// </summary>
public static class PeerScripts
{
    public const string Python = "/usr/bin/python3";

    /// <summary>The checkout's bench/peers folder (INTERROGATE_PEERS overrides it), if present.</summary>
    public static string? Folder()
    {
        if (Environment.GetEnvironmentVariable("INTERROGATE_PEERS") is { Length: > 0 } own && Directory.Exists(own)) return own;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Interrogate.slnx")))
                return Directory.Exists(Path.Combine(dir.FullName, "bench", "peers")) ? Path.Combine(dir.FullName, "bench", "peers") : null;
        return null;
    }

    public static bool TorchAvailable() => Run(["-c", "import torch"], new Dictionary<string, string>(), 60) is not null;

    /// <summary>Runs a peer script; returns its stdout, or null (with a note on stderr) when it cannot run.</summary>
    public static string? RunScript(string script, IEnumerable<string> args, IDictionary<string, string> environment, int timeoutSeconds = 900)
    {
        var folder = Folder();
        if (folder is null) { Console.Error.WriteLine("bench: bench/peers not found; peer column left empty"); return null; }
        return Run([Path.Combine(folder, script), .. args], environment, timeoutSeconds);
    }

    private static string? Run(IEnumerable<string> args, IDictionary<string, string> environment, int timeoutSeconds)
    {
        if (!File.Exists(Python)) return null;
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Machine.PeerEnvironment(environment)) psi.Environment[k] = v;   // the CPU's best BLAS core, whatever the caller passed
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds))) { p.Kill(true); return null; }
        if (p.ExitCode != 0)
        {
            var last = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
            Console.Error.WriteLine($"bench: peer {string.Join(' ', args)} failed: {last}");
            return null;
        }
        return stdout.Result;
    }

    /// <summary>The numeric cells of the last table line whose first cells equal the given keys.</summary>
    public static double[]? Row(string? output, params string[] keys)
    {
        if (output is null) return null;
        foreach (var line in output.Split('\n').Reverse())
        {
            if (line.StartsWith('#')) continue;
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length < keys.Length || !keys.Select((k, i) => cells[i] == k).All(x => x)) continue;
            return [.. cells.Select(c => double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN)];
        }
        return null;
    }
}
