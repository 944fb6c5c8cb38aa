using System.Diagnostics;
using System.Runtime.InteropServices;
using Interrogate.Tests.Cli;

namespace Interrogate.Tests.Server;

/// <summary>`interrogate serve` as a user runs it: bad folders and hosts exit 2 with one line; it prints its URL, answers, and stops cleanly on Ctrl-C.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public void Serve_MissingStoreFolder_ExitsTwoNamingIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-store-" + Guid.NewGuid().ToString("N"));
        CliRunner.AssertBadInput(CliRunner.Run("serve", "--store", missing, "--port", "0"), missing);
    }

    [Fact]
    public void Serve_HostNotAnAddress_ExitsTwoNamingTheFlag()
    {
        CliRunner.AssertBadInput(CliRunner.Run("serve", "--host", "example", "--port", "0"), "--host");
    }

    [Fact]
    public void Demo_Help_OffersServe()
    {
        var r = CliRunner.Run("demo", "--help");
        Assert.Contains("--serve", r.Stdout, StringComparison.Ordinal);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [Fact]
    public async Task Serve_CtrlC_PrintsUrlServesAndStopsCleanly()
    {
        if (!OperatingSystem.IsLinux()) return;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Interrogate.Cli.dll"));
        foreach (var a in new[] { "serve", "--model", ViewerFixture.ShippedModel(), "--port", "0" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            var line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));
            Assert.StartsWith("serving on http://127.0.0.1:", line, StringComparison.Ordinal);
            var url = new Uri(line!["serving on ".Length..].Split(' ')[0]);
            using (var http = new HttpClient())
                Assert.Contains("sotu-small", await http.GetStringAsync(new Uri(url, "/api/overview")), StringComparison.Ordinal);
            Assert.Equal(0, kill(p.Id, 2));   // SIGINT, as Ctrl-C sends
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "serve did not stop on SIGINT");
            Assert.Equal(0, p.ExitCode);
            Assert.Contains("stopped", await stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }
}
