using System.Diagnostics;
using System.Globalization;

namespace Interrogate.Bench;

/// <summary>
/// A peer script kept running in serve mode (bench/peers): it builds its model once and times one
/// repetition per line we send, so the bench alternates our repetitions and the peer's. Null from
/// <see cref="Start"/> when python3, torch or the script is missing (the peer column stays empty).
/// </summary>
public sealed class PeerProcess : IDisposable
{
    private readonly Process process;

    private PeerProcess(Process process, string config)
    {
        this.process = process;
        Config = config;
    }

    /// <summary>The script's own description of its configuration (torch, threads, environment, BLAS kernel).</summary>
    public string Config { get; }

    public static PeerProcess? Start(string script, IEnumerable<string> args, IDictionary<string, string> environment)
    {
        var folder = PeerScripts.Folder();
        if (folder is null || !File.Exists(PeerScripts.Python)) { Console.Error.WriteLine("bench: bench/peers or /usr/bin/python3 not found; peer column left empty"); return null; }
        var psi = new ProcessStartInfo(PeerScripts.Python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(folder, script));
        psi.ArgumentList.Add("--serve");
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Machine.PeerEnvironment(environment)) psi.Environment[k] = v;   // the CPU's best BLAS core, whatever the caller passed
        var p = Process.Start(psi)!;
        var errors = p.StandardError.ReadToEndAsync();
        var first = p.StandardOutput.ReadLine();
        if (first is null || !first.StartsWith('#'))
        {
            p.WaitForExit(10_000);
            Console.Error.WriteLine($"bench: peer {script} did not start: {errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()}");
            p.Dispose();
            return null;
        }
        return new PeerProcess(p, first.TrimStart('#', ' '));
    }

    /// <summary>
    /// Sends one request line and returns the seconds the peer reports for it: wall seconds, or its
    /// process CPU seconds under --clock cpu (the reply is "WALL CPU").
    /// </summary>
    public double Run(string request)
    {
        process.StandardInput.WriteLine(request);
        process.StandardInput.Flush();
        var reply = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"peer stopped answering '{request}'");
        var fields = reply.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return double.Parse(Measure.CpuClock && fields.Length > 1 ? fields[1] : fields[0], CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        try
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(10_000)) process.Kill(entireProcessTree: true);
        }
        finally { process.Dispose(); }
    }
}
