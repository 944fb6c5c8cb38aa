using System.CommandLine;
using System.CommandLine.Parsing;
using Interrogate.IO;

namespace Interrogate.Cli;

/// <summary>
/// Outputs checked first and written last, for every command at once: before a command runs, each
/// output flag it was given (--out, --report, --db) is checked (<see cref="OutputPath.Check"/>)
/// against the inputs it was given (--model, --corpus, --text, --spec, --labels, --store); if the
/// run then fails with an error the user can fix, whatever it created at a path that did not exist
/// before is removed, so a failed run leaves nothing behind.
/// </summary>
internal sealed class OutputGuard
{
    private static readonly Dictionary<string, OutputKind> Outputs = new(StringComparer.Ordinal)
    {
        ["--out"] = OutputKind.Folder,
        ["--report"] = OutputKind.File,
        ["--db"] = OutputKind.File,
    };

    private static readonly HashSet<string> Inputs = new(StringComparer.Ordinal) { "--model", "--corpus", "--text", "--spec", "--labels", "--store" };

    /// <summary>Commands that resume or update their output files (experiment: its database and report).</summary>
    private static readonly HashSet<string> Replacing = new(StringComparer.Ordinal) { "experiment" };

    /// <summary>Commands whose --out is one file, not a folder (export onnx).</summary>
    private static readonly HashSet<string> FileOutputs = new(StringComparer.Ordinal) { "onnx" };

    private readonly List<string> created = [];

    public static OutputGuard Check(ParseResult parsed)
    {
        var guard = new OutputGuard();
        var given = parsed.CommandResult.Children.OfType<OptionResult>()
            .Where(o => o.Tokens.Count > 0)
            .Select(o => (Name: o.Option.Name, Value: o.Tokens[^1].Value))
            .ToList();
        var inputs = given.Where(o => Inputs.Contains(o.Name) && (File.Exists(o.Value) || Directory.Exists(o.Value)))
            .Select(o => o.Value).ToList();
        foreach (var (name, value) in given)
        {
            if (!Outputs.TryGetValue(name, out var kind)) continue;
            if (name == "--out" && FileOutputs.Contains(parsed.CommandResult.Command.Name)) kind = OutputKind.File;
            OutputPath.Check(value, name, kind, inputs, replaces: Replacing.Contains(parsed.CommandResult.Command.Name));
            if (!File.Exists(value) && !Directory.Exists(value)) guard.created.Add(Path.GetFullPath(value));
        }
        return guard;
    }

    /// <summary>Removes what a failed run created at output paths that did not exist before it.</summary>
    public void RollBack()
    {
        foreach (var path in created)
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else if (File.Exists(path)) File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }
}
