using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Interrogate.Sharding;

/// <summary>
/// A sharded job on Slurm: a job array of <see cref="Shards"/> tasks, task I running the job with
/// <c>--shard SLURM_ARRAY_TASK_ID/N --out OUT.shards/shard-I</c>, and a merge job that starts only
/// when every task succeeded (<c>--dependency=afterok:ARRAY</c>) and writes the merged result to OUT.
/// Both scripts and the tasks' logs live in <see cref="ShardsDirectory"/>.
/// </summary>
public sealed record SlurmJob
{
    /// <summary>How to start interrogate on the cluster's nodes, e.g. ["dotnet", "/opt/interrogate/Interrogate.Cli.dll"].</summary>
    public required IReadOnlyList<string> Interrogate { get; init; }
    /// <summary>The job's arguments without --out and --shard, e.g. ["activations", "record", "--model", "m"].</summary>
    public required IReadOnlyList<string> JobArguments { get; init; }
    /// <summary>The merged output folder (the job's --out).</summary>
    public required string Output { get; init; }
    public required int Shards { get; init; }
    /// <summary>The folder the jobs run in (relative paths in the arguments are relative to it).</summary>
    public required string WorkingDirectory { get; init; }
    public string? Partition { get; init; }
    /// <summary>Slurm's time limit per task, e.g. "02:00:00".</summary>
    public string? TimeLimit { get; init; }
    /// <summary>CPUs per task; also the job's --threads when set.</summary>
    public int? Cpus { get; init; }

    /// <summary>Where the shards, the scripts and the logs go: OUT.shards beside the output.</summary>
    public string ShardsDirectory => Path.GetFullPath(Output, WorkingDirectory).TrimEnd('/') + ".shards";

    public string ShardDirectory(int index) => Path.Combine(ShardsDirectory, $"shard-{index}");

    public string ArrayScriptPath => Path.Combine(ShardsDirectory, "array.sbatch");
    public string MergeScriptPath => Path.Combine(ShardsDirectory, "merge.sbatch");

    /// <summary>The job-array script: one task per shard.</summary>
    public string ArrayScript()
    {
        var command = new List<string>(Interrogate);
        if (Cpus is int c) command.AddRange(["--threads", c.ToString(CultureInfo.InvariantCulture)]);
        command.AddRange(JobArguments);
        command.AddRange(["--shard", $"SLURM_ARRAY_TASK_ID/{Shards}", "--out"]);
        return Header("interrogate-shards", $"--array=0-{Shards - 1}", $"--output={Path.Combine(ShardsDirectory, "logs", "shard-%a.out")}")
            + "exec " + string.Join(' ', command.Select(Quote)) + " " + Quote(ShardsDirectory + "/shard-") + "\"${SLURM_ARRAY_TASK_ID}\"\n";
    }

    /// <summary>The merge script, submitted to wait for the whole array.</summary>
    public string MergeScript()
    {
        var command = new List<string>(Interrogate) { "merge" };
        command.AddRange(Enumerable.Range(0, Shards).Select(ShardDirectory));
        command.AddRange(["--out", Output]);
        return Header("interrogate-merge", $"--output={Path.Combine(ShardsDirectory, "logs", "merge.out")}") + "exec " + string.Join(' ', command.Select(Quote)) + "\n";
    }

    private string Header(string name, params string[] extra)
    {
        var b = new StringBuilder("#!/bin/bash\n");
        b.Append("# Written by `interrogate slurm`.\n");
        foreach (var line in new[] { $"--job-name={name}", $"--chdir={WorkingDirectory}", "--ntasks=1" }.Concat(extra))
            b.Append("#SBATCH ").Append(line).Append('\n');
        if (Cpus is int c) b.Append(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={c}\n");
        if (Partition is not null) b.Append(CultureInfo.InvariantCulture, $"#SBATCH --partition={Partition}\n");
        if (TimeLimit is not null) b.Append(CultureInfo.InvariantCulture, $"#SBATCH --time={TimeLimit}\n");
        b.Append("set -euo pipefail\n");
        return b.ToString();
    }

    /// <summary>Single-quotes an argument for bash.</summary>
    public static string Quote(string s) =>
        s.Length > 0 && s.All(ch => char.IsAsciiLetterOrDigit(ch) || "-_./=:,@+%".Contains(ch)) ? s : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Writes both scripts and submits them: the array, then the merge depending on it. Returns the two job ids.</summary>
    /// <param name="sbatch">The sbatch program (a full path, or found on PATH).</param>
    public (string ArrayJob, string MergeJob) Submit(string sbatch = "sbatch")
    {
        if (File.Exists(ShardsDirectory)) throw InputException.ForFile(ShardsDirectory, "is a file; the shards need a folder there");
        Directory.CreateDirectory(Path.Combine(ShardsDirectory, "logs"));
        IO.AtomicFile.WriteAllText(ArrayScriptPath, ArrayScript());
        IO.AtomicFile.WriteAllText(MergeScriptPath, MergeScript());
        var array = RunSbatch(sbatch, ArrayScriptPath);
        var merge = RunSbatch(sbatch, $"--dependency=afterok:{array}", "--kill-on-invalid-dep=yes", MergeScriptPath);
        return (array, merge);
    }

    private static string RunSbatch(string sbatch, params string[] args)
    {
        var psi = new ProcessStartInfo(sbatch) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("--parsable");
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InputException($"{sbatch}: cannot run it ({e.Message}); is Slurm installed here?", e); }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            var id = output.Result.Trim().Split(';')[0];   // --parsable prints "ID" or "ID;CLUSTER"
            if (process.ExitCode != 0 || id.Length == 0)
                throw new InputException($"{sbatch} {string.Join(' ', args)}: failed ({error.Result.Trim().ReplaceLineEndings(" ")})");
            return id;
        }
    }
}
