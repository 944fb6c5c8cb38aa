using System.CommandLine;
using Interrogate.Sharding;

namespace Interrogate.Cli.Commands;

/// <summary>The one <c>--shard</c> flag every shardable job takes, and its parser.</summary>
internal static class ShardOptions
{
    public static Option<string?> Shard() => new("--shard")
    {
        Description = "Do only shard I of N (0-based), e.g. 2/8; VARIABLE/N reads I from an environment variable "
            + "(SLURM_ARRAY_TASK_ID/8, or JOB_COMPLETION_INDEX/8 in a Kubernetes Indexed Job). Combine the parts with `interrogate merge`",
    };

    public static ShardSpec? Parse(string? text) => text is null ? null : ShardSpec.Parse(text, Environment.GetEnvironmentVariable);
}
