using System.Diagnostics;
using Interrogate.Store;

namespace Interrogate.Tests.Cli;

/// <summary>Runs only where a Slurm cluster answers (<c>.ci/slurm-up</c> starts one on localhost); else skipped, saying so.</summary>
public sealed class RequiresSlurmFactAttribute : FactAttribute
{
    public RequiresSlurmFactAttribute()
    {
        if (SlurmCluster.Conf is null) Skip = "no Slurm cluster answers (run .ci/slurm-up as root, or set SLURM_CONF): the Slurm job-array test is not run";
    }
}

internal static class SlurmCluster
{
    private static readonly Lazy<string?> conf = new(() =>
    {
        foreach (var path in new[] { Environment.GetEnvironmentVariable("SLURM_CONF"), Path.Combine(Path.GetTempPath(), "interrogate-slurm", "slurm.conf"), "/tmp/interrogate-slurm/slurm.conf", "/etc/slurm/slurm.conf" })
            if (!string.IsNullOrEmpty(path) && File.Exists(path) && Run(path, "sinfo", "-h", "-o", "%T") is { } states && states.Split('\n').Any(s => s is "idle" or "mixed" or "allocated"))
                return path;
        return null;
    });

    /// <summary>The slurm.conf of a cluster with a usable node, or null.</summary>
    public static string? Conf => conf.Value;

    /// <summary>Runs a Slurm client with that configuration; its stdout, or null when it fails or cannot start.</summary>
    public static string? Run(string slurmConf, string program, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["SLURM_CONF"] = slurmConf;
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(10))) { p.Kill(); return null; }
            return p.ExitCode == 0 ? output.Result.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}

[Trait("Category", "Slurm")]
public sealed class SlurmCommandTests : IDisposable
{
    private const string Text = "The nation is at peace. We will keep it so. In the year 1990, Congress said \"no\" (again). " +
        "Our people want jobs, and our jobs want people. The tax is high; the war is over. We know it. ";
    private readonly TinyGpt2Folder folder = new();
    private readonly string temp = Directory.CreateTempSubdirectory("slurm-cli").FullName;

    public void Dispose()
    {
        folder.Dispose();
        Directory.Delete(temp, recursive: true);
    }

    [RequiresSlurmFact]
    public void Slurm_FourShardRecord_MergedStoreEqualsUnsharded()
    {
        var conf = SlurmCluster.Conf!;
        var corpus = Path.Combine(temp, "corpus.txt");
        File.WriteAllText(corpus, string.Concat(Enumerable.Repeat(Text, 12)));
        string[] job = ["activations", "record", "--model", folder.Dir, "--corpus", corpus, "--split", "train", "--tokens", "600",
            "--chunk-windows", "8", "--batch", "3", "--data-dir", Path.Combine(temp, "cache")];   // 600 tokens, windows of 16, 128 a chunk: 5 chunks
        var whole = CliRunner.Run([.. job, "--out", Path.Combine(temp, "whole")]);
        Assert.True(whole.ExitCode == 0, whole.Stderr);

        var merged = Path.Combine(temp, "merged");
        var submitted = CliRunner.Run(new Dictionary<string, string> { ["SLURM_CONF"] = conf }, ["slurm", .. job, "--out", merged, "--shards", "4", "--cpus", "1", "--time", "00:05:00"]);
        Assert.True(submitted.ExitCode == 0, submitted.Stderr);
        var ids = System.Text.RegularExpressions.Regex.Matches(submitted.Stdout, @"job (?:array )?(\d+)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, ids.Count);

        var clock = Stopwatch.StartNew();
        while (!File.Exists(ActivationManifest.PathIn(merged)))
        {
            var state = SlurmCluster.Run(conf, "scontrol", "show", "job", ids[1]) ?? "";
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120) && !state.Contains("JobState=FAILED") && !state.Contains("JobState=CANCELLED"),
                $"merge job {ids[1]} did not finish: {state}\nlogs: {string.Join("\n", Directory.GetFiles(merged + ".shards/logs").Select(f => f + ": " + File.ReadAllText(f)))}");
            Thread.Sleep(250);
        }

        using var a = ActivationStore.Open(Path.Combine(temp, "whole"));
        using var b = ActivationStore.Open(merged);
        Assert.Equal(5, a.Manifest.Chunks.Count);
        Assert.Equal(a.Manifest.Chunks, b.Manifest.Chunks);
        Assert.Equal(a.ReadTokens(0, (int)a.Tokens), b.ReadTokens(0, (int)b.Tokens));
        foreach (var hook in a.Hooks.Select(h => h.Name))
        {
            Assert.Equal(a.ReadRows(hook, 0, (int)a.Tokens), b.ReadRows(hook, 0, (int)b.Tokens));
            Assert.True(a.Statistics(hook).BitEquals(b.Statistics(hook)), $"{hook}: statistics differ");
            for (int j = 0; j < a.Width(hook); j++)
                Assert.Equal(a.TopContexts(hook, j).Select(c => (c.Token, c.Value)), b.TopContexts(hook, j).Select(c => (c.Token, c.Value)));
        }
        Assert.Equal(4, Directory.GetDirectories(merged + ".shards", "shard-*").Length);
    }
}

/// <summary>The scripts `interrogate slurm` writes, checked without a cluster.</summary>
public sealed class SlurmDryRunTests
{
    [Fact]
    public void Slurm_DryRun_PrintsArrayAndDependentMerge()
    {
        var r = CliRunner.Run("slurm", "activations", "record", "--model", "m", "--corpus", "sotu", "--out", "/data/acts",
            "--shards", "4", "--cpus", "3", "--time", "01:00:00", "--partition", "cpu", "--dry-run");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("#SBATCH --array=0-3\n", r.Stdout);
        Assert.Contains("#SBATCH --cpus-per-task=3\n", r.Stdout);
        Assert.Contains("#SBATCH --partition=cpu\n", r.Stdout);
        Assert.Contains("#SBATCH --time=01:00:00\n", r.Stdout);
        Assert.Contains("--threads 3 activations record --model m --corpus sotu --shard SLURM_ARRAY_TASK_ID/4 --out /data/acts.shards/shard-\"${SLURM_ARRAY_TASK_ID}\"", r.Stdout);
        Assert.Contains("merge /data/acts.shards/shard-0 /data/acts.shards/shard-1 /data/acts.shards/shard-2 /data/acts.shards/shard-3 --out /data/acts\n", r.Stdout);
        Assert.Contains("--dependency=afterok:$ARRAY", r.Stdout);
        Assert.False(Directory.Exists("/data/acts.shards"));
    }

    [Fact]
    public void Slurm_JobWithoutShardSupport_ExitsTwoListingShardable() =>
        CliRunner.AssertBadInput(CliRunner.Run("slurm", "redundancy", "--out", "o", "--shards", "2", "--dry-run"), "cannot be sharded");

    [Fact]
    public void Slurm_Neurons_EachTaskAblatesItsShardAndTheMergeWritesOut()
    {
        var r = CliRunner.Run("slurm", "neurons", "--concept", "capitalized", "--out", "/data/null", "--shards", "2", "--dry-run");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("neurons --concept capitalized --shard SLURM_ARRAY_TASK_ID/2 --out /data/null.shards/shard-", r.Stdout);
        Assert.Contains("merge /data/null.shards/shard-0 /data/null.shards/shard-1 --out /data/null", r.Stdout);
    }

    [Fact]
    public void Slurm_JobWithoutOut_ExitsTwoNamingOut() =>
        CliRunner.AssertBadInput(CliRunner.Run("slurm", "activations", "record", "--model", "m", "--shards", "2", "--dry-run"), "--out");

    [Fact]
    public void Slurm_PruneCompare_EachTaskMeasuresItsCellsAndTheMergeWritesOut()
    {
        var r = CliRunner.Run("slurm", "prune", "compare", "--model", "m", "--out", "/data/cmp", "--shards", "3", "--dry-run");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("prune compare --model m --shard SLURM_ARRAY_TASK_ID/3 --out /data/cmp.shards/shard-", r.Stdout);
        Assert.Contains("merge /data/cmp.shards/shard-0 /data/cmp.shards/shard-1 /data/cmp.shards/shard-2 --out /data/cmp", r.Stdout);
    }
}
