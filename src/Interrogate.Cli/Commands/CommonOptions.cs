using System.CommandLine;

namespace Interrogate.Cli.Commands;

/// <summary>Options shared by several commands, and parsers that name the flag in their errors.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object on stdout instead of tables" };

    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Cache folder for downloaded datasets (default: $XDG_CACHE_HOME/interrogate or ~/.cache/interrogate)",
    };

    public static Option<ulong> Seed() => new("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0UL };

    /// <summary>Parses "256,128" into widths; errors name the flag.</summary>
    public static int[] ParseIntList(string text, string flag)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new InputException($"{flag}: expected a comma-separated list of positive integers, got '{text}'");
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out values[i]) || values[i] <= 0)
                throw new InputException($"{flag}: '{parts[i]}' is not a positive integer");
        return values;
    }

    public static void RequirePositive(int value, string flag)
    {
        if (value <= 0) throw new InputException($"{flag}: must be a positive integer, got {value}");
    }

    public static void RequirePositive(float value, string flag)
    {
        if (!(value > 0f) || float.IsInfinity(value)) throw new InputException($"{flag}: must be a positive number, got {value}");
    }
}
