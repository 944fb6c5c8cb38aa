using System.CommandLine;
using System.Text.RegularExpressions;

namespace Interrogate.Cli;

/// <summary>Which exceptions are the user's to fix, and how they read in one line.</summary>
internal static class Errors
{
    public static bool IsUserError(Exception e) => e is InputException or FileNotFoundException or DirectoryNotFoundException
        or UnauthorizedAccessException;

    public static string OneLine(Exception e)
    {
        var message = e switch
        {
            FileNotFoundException f when f.FileName is not null => $"{f.FileName}: file not found",
            _ => e.Message,
        };
        return message.ReplaceLineEndings(" ").Trim();
    }

    /// <summary>
    /// System.CommandLine's own errors as one line that names the flag or word at fault. Of several
    /// errors the most specific is shown: a word it does not know, then a value it cannot read or
    /// that is missing, then a required option, then a missing subcommand.
    /// </summary>
    public static string ParseErrorLine(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        var path = CommandPath(parsed.CommandResult);
        var best = parsed.Errors.OrderBy(e => Rank(e.Message)).First().Message;
        if (Match(best, @"^Unrecognized command or argument '(.*)'\.$") is { } word)
        {
            var sub = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
            return word.StartsWith('-') || sub.Count == 0
                ? $"{word}: not an option of `{path}` (see `{path} --help`)"
                : $"'{word}' is not a command of `{path}` (commands: {string.Join(", ", sub)})";
        }
        if (Match(best, @"^Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'\.?$", 2) is { } flag)
        {
            var value = Match(best, @"^Cannot parse argument '(.*)' for option")!;
            return $"{flag}: cannot read '{value}' as {TypeWords(Match(best, @"expected type '(.*)'")!)}";
        }
        if (Match(best, @"^Required argument missing for option: '(.*)'\.$") is { } missingValue)
            return $"{missingValue}: a value is required";
        if (Match(best, @"^Option '(.*)' is required\.$") is { } required)
            return $"{required}: required by `{path}`";
        if (best.StartsWith("Required command was not provided", StringComparison.Ordinal))
            return $"`{path}` needs a command: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))} (see `{path} --help`)";
        return best.ReplaceLineEndings(" ").Trim();
    }

    private static int Rank(string message) =>
        message.StartsWith("Unrecognized", StringComparison.Ordinal) ? 0
        : message.StartsWith("Cannot parse", StringComparison.Ordinal) || message.StartsWith("Required argument missing", StringComparison.Ordinal) ? 1
        : message.StartsWith("Required command", StringComparison.Ordinal) ? 3 : 2;

    private static string? Match(string text, string pattern, int group = 1)
    {
        var m = Regex.Match(text, pattern);
        return m.Success ? m.Groups[group].Value : null;
    }

    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(r.Parent is null ? "interrogate" : r.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    private static string TypeWords(string type) => type switch
    {
        _ when type.Contains("UInt") => "a non-negative integer",
        _ when type.Contains("Int32") || type.Contains("Int64") => "an integer",
        _ when type.Contains("Single") || type.Contains("Double") => "a number",
        _ when type.Contains("Boolean") => "true or false",
        _ => "the expected type",
    };
}
