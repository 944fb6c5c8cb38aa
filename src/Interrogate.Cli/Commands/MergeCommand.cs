using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Interrogate.Cli.Output;
using Interrogate.Sharding;
using Interrogate.Store;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>
/// `interrogate merge SHARD... --out DIR`: combines the folders of a job run with --shard I/N into
/// what the unsharded job writes. The kind of job is recognised from the folders; a new shardable
/// job adds its <see cref="IShardMerger"/> to <see cref="Mergers"/>.
/// </summary>
internal static class MergeCommand
{
    /// <summary>Every kind of sharded output this build can merge.</summary>
    public static readonly IReadOnlyList<IShardMerger> Mergers = [new ActivationShardMerger(), new Training.Experiments.ExperimentShardMerger(), new Analysis.Verdicts.StudyAblationShardMerger(),
        new Analysis.Pruning.ComparisonShardMerger(), new SaeCollectionShardMerger()];

    public static Command Create()
    {
        var shards = new Argument<string[]>("shards") { Description = "The shard folders (every index 0..N−1 once, any order)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "The merged folder to create", Required = true };
        var json = CommonOptions.Json();
        var command = new Command("merge", "Merge the outputs of a job run in shards (--shard I/N) into the single-process result") { shards, output, json };
        command.SetAction(parsed =>
        {
            var clock = Stopwatch.StartNew();
            var outDir = parsed.GetValue(output)!;
            var (merger, count) = ShardMerge.Run(Mergers, parsed.GetValue(shards)!, outDir);
            double seconds = clock.Elapsed.TotalSeconds;
            if (parsed.GetValue(json)) Terminal.WriteJson(new { kind = merger.Kind, shards = count, output = Path.GetFullPath(outDir), seconds });
            else Terminal.Out.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"merged {count} shards of a {merger.Kind} into {Path.GetFullPath(outDir)} in {seconds:0.0} s")));
            return ExitCodes.Ok;
        });
        return command;
    }
}
