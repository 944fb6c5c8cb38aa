using System.CommandLine;
using System.Globalization;
using System.Reflection;
using Interrogate.Cli.Output;
using Interrogate.Sharding;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>
/// `interrogate slurm JOB-ARGS... --shards N [--partition P --time T --cpus C] [--dry-run]`: runs a
/// shardable job as a Slurm job array plus a merge job that waits for it (see <see cref="SlurmJob"/>).
/// </summary>
internal static class SlurmCommand
{
    /// <summary>The jobs that take --shard (their first words); each has a merger in <see cref="MergeCommand.Mergers"/>.</summary>
    private static readonly string[][] Shardable = [["activations", "record"], ["experiment"], ["neurons"], ["prune", "compare"], ["sae", "train"]];

    public static Command Create()
    {
        var shards = new Option<int>("--shards") { Description = "How many shards (array tasks)", Required = true };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition (default: the cluster's)" };
        var time = new Option<string?>("--time") { Description = "Time limit per task, e.g. 02:00:00 (default: the partition's)" };
        var cpus = new Option<int?>("--cpus") { Description = "CPUs per task, also the job's --threads (default: Slurm's)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the two scripts and the sbatch commands; submit nothing" };
        var interrogate = new Option<string?>("--interrogate")
        {
            Description = "How the nodes start interrogate (default: this program's own path, which the nodes must see)",
        };
        var command = new Command("slurm",
            "Run a job (e.g. activations record ... --out DIR) as a Slurm job array of --shards tasks and a merge job into DIR that waits for them")
        {
            shards, partition, time, cpus, dryRun, interrogate,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parsed =>
        {
            int n = parsed.GetValue(shards);
            CommonOptions.RequirePositive(n, "--shards");
            if (parsed.GetValue(cpus) is int c) CommonOptions.RequirePositive(c, "--cpus");
            var (arguments, output) = SplitOut([.. parsed.UnmatchedTokens]);
            if (parsed.GetValue(GlobalOptions.Blas) is { } blas) arguments.AddRange(["--blas", blas]);   // a global option: parsed here, passed on to the tasks
            var job = new SlurmJob
            {
                Interrogate = parsed.GetValue(interrogate) is { } self ? self.Split(' ', StringSplitOptions.RemoveEmptyEntries) : Self(),
                JobArguments = arguments,
                Output = output,
                Shards = n,
                WorkingDirectory = Environment.CurrentDirectory,
                Partition = parsed.GetValue(partition),
                TimeLimit = parsed.GetValue(time),
                Cpus = parsed.GetValue(cpus) ?? parsed.GetValue(GlobalOptions.Threads),
            };
            if (parsed.GetValue(dryRun))
            {
                var o = Console.Out;   // plain: a script must not be wrapped to the terminal's width
                o.WriteLine($"# {job.ArrayScriptPath}");
                o.WriteLine(job.ArrayScript());
                o.WriteLine($"# {job.MergeScriptPath}");
                o.WriteLine(job.MergeScript());
                o.WriteLine($"# submit: ARRAY=$(sbatch --parsable {SlurmJob.Quote(job.ArrayScriptPath)}) && sbatch --dependency=afterok:$ARRAY --kill-on-invalid-dep=yes {SlurmJob.Quote(job.MergeScriptPath)}");
                return ExitCodes.Ok;
            }
            var (array, merge) = job.Submit();
            Terminal.Out.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"submitted job array {array} ({n} shards into {job.ShardsDirectory}) and merge job {merge} into {Path.GetFullPath(output)} after it; logs in {Path.Combine(job.ShardsDirectory, "logs")}")));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Checks the job is shardable and takes its --out (which each shard replaces with its own folder) out of the arguments.</summary>
    private static (List<string> Arguments, string Output) SplitOut(List<string> tokens)
    {
        if (!Shardable.Any(words => tokens.Count >= words.Length && tokens.Take(words.Length).SequenceEqual(words)))
            throw new InputException($"slurm: '{string.Join(' ', tokens.Take(2))}' cannot be sharded; jobs that can: {string.Join(", ", Shardable.Select(w => string.Join(' ', w)))}");
        if (tokens.Contains("--shard")) throw new InputException("slurm: leave --shard out of the job; each array task gets its own");
        int at = tokens.IndexOf("--out");
        if (at < 0 || at + 1 >= tokens.Count) throw new InputException("slurm: the job needs --out DIR (the merged result goes there, the shards beside it in DIR.shards)");
        var output = OutputGuard.Claim(tokens[at + 1], "--out", IO.OutputKind.Folder);   // the merged result: checked before anything is submitted
        tokens.RemoveRange(at, 2);
        return (tokens, output);
    }

    /// <summary>This program as the nodes should start it: the apphost, or dotnet with this assembly.</summary>
    private static string[] Self()
    {
        var process = Environment.ProcessPath ?? "interrogate";
        var assembly = Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && !string.IsNullOrEmpty(assembly) ? [process, assembly] : [process];
    }
}
