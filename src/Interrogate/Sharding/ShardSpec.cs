using System.Globalization;

namespace Interrogate.Sharding;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> of a long job: the job's work items (chunks of
/// windows, random units, sweep points, experiment cells) are split into <see cref="Count"/>
/// contiguous blocks and this shard does block <see cref="Index"/> (0-based). Every job that shards
/// parses <c>--shard</c> with <see cref="Parse"/> and splits with <see cref="Range"/>, so a part is
/// the same whichever machine runs it, and <c>interrogate merge</c> combines the parts.
/// </summary>
public sealed record ShardSpec(int Index, int Count)
{
    /// <summary>
    /// Parses "I/N" (0 ≤ I &lt; N), or "VAR/N" where VAR names an environment variable holding I: a
    /// scheduler's array index, e.g. <c>SLURM_ARRAY_TASK_ID/8</c> or, in a Kubernetes Indexed Job,
    /// <c>JOB_COMPLETION_INDEX/8</c>. Errors name the flag.
    /// </summary>
    /// <param name="text">The flag's value.</param>
    /// <param name="environment">Reads an environment variable (the CLI passes Environment.GetEnvironmentVariable).</param>
    /// <param name="flag">The flag's name for errors.</param>
    public static ShardSpec Parse(string text, Func<string, string?> environment, string flag = "--shard")
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
            throw new InputException($"{flag} {text}: expected I/N (shard I of N, 0-based) or VARIABLE/N (I read from that environment variable)");
        string index = parts[0];
        if (index.Length > 0 && (char.IsLetter(index[0]) || index[0] == '_'))
        {
            index = environment(parts[0])?.Trim()
                ?? throw new InputException($"{flag} {text}: environment variable {parts[0]} is not set");
        }
        if (!int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out int i) || i >= count)
            throw new InputException($"{flag} {text}: shard index '{index}' must be an integer from 0 to {count - 1}");
        return new ShardSpec(i, count);
    }

    /// <summary>The items [Start, End) of <paramref name="items"/> that this shard does: contiguous, in order, sizes differing by at most one.</summary>
    public (long Start, long End) Range(long items) => (items * Index / Count, items * (Index + 1) / Count);

    public override string ToString() => $"{Index}/{Count}";
}
