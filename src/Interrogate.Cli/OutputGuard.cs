using System.CommandLine;
using System.CommandLine.Parsing;
using Interrogate.IO;

namespace Interrogate.Cli;

/// <summary>
/// Outputs checked first and written last, for every command at once: before a command runs, each
/// output flag it was given (--out, --report, --db) is checked (<see cref="OutputPath.Check"/>)
/// against the inputs it was given (--model, --corpus, --store, … and its arguments); if the
/// run then fails with an error the user can fix, whatever it created at a path that did not exist
/// before is removed, so a failed run leaves nothing behind. Outputs a command writes when the flag
/// is left out go through the same check: a default given as the option's default value is found
/// here; one a command computes from other flags (train gpt's models/CORPUS-PRESET, experiment's
/// files beside the spec) is claimed with <see cref="Claim"/> before the command does any work.
/// </summary>
internal sealed class OutputGuard
{
    private static readonly Dictionary<string, OutputKind> Outputs = new(StringComparer.Ordinal)
    {
        ["--out"] = OutputKind.Folder,
        ["--report"] = OutputKind.File,
        ["--db"] = OutputKind.File,
    };

    private static readonly HashSet<string> Inputs = new(StringComparer.Ordinal)
        { "--model", "--corpus", "--text", "--spec", "--labels", "--store", "--sae", "--control", "--activations", "--results" };

    /// <summary>Commands that resume or update their output files (experiment: its database and report).</summary>
    private static readonly HashSet<string> Replacing = new(StringComparer.Ordinal) { "experiment" };

    /// <summary>Commands whose --out is one file, not a folder (export onnx).</summary>
    private static readonly HashSet<string> FileOutputs = new(StringComparer.Ordinal) { "onnx" };

    /// <summary>The guard of the run in progress on this thread (each in-process run has its own), for <see cref="Claim"/>.</summary>
    private static readonly AsyncLocal<OutputGuard?> Current = new();

    private readonly List<string> created = [];
    private readonly List<string> inputs;
    private readonly bool replaces;

    private OutputGuard(List<string> inputs, bool replaces) => (this.inputs, this.replaces) = (inputs, replaces);

    public static OutputGuard Check(ParseResult parsed)
    {
        var given = parsed.CommandResult.Children.OfType<OptionResult>()
            .Select(o => (Name: o.Option.Name, Value: o.Tokens.Count > 0 ? o.Tokens[^1].Value : o.Implicit && !o.Option.Required ? o.GetValueOrDefault<object?>() as string : null))
            .Where(o => o.Value is not null)
            .Select(o => (o.Name, Value: o.Value!))
            .ToList();
        // Inputs: the input flags' values and the command's arguments (merge's shard folders) that exist.
        var inputs = given.Where(o => Inputs.Contains(o.Name)).Select(o => o.Value)
            .Concat(parsed.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens.Select(t => t.Value)))
            .Where(p => File.Exists(p) || Directory.Exists(p)).ToList();
        var guard = new OutputGuard(inputs, Replacing.Contains(parsed.CommandResult.Command.Name));
        foreach (var (name, value) in given)
            if (Outputs.TryGetValue(name, out var kind))
                guard.Add(value, name, name == "--out" && FileOutputs.Contains(parsed.CommandResult.Command.Name) ? OutputKind.File : kind);
        Current.Value = guard;
        return guard;
    }

    /// <summary>
    /// Checks an output path a command computed itself (a default for a flag left out) exactly as if
    /// it had been given as <paramref name="flag"/>, and removes it again if the run fails; returns the path.
    /// Call it before any work. Outside a CLI run (library tests) it only checks.
    /// </summary>
    public static string Claim(string path, string flag, OutputKind kind)
    {
        if (Current.Value is { } guard) guard.Add(path, flag, kind);
        else OutputPath.Check(path, flag, kind, []);
        return path;
    }

    private void Add(string path, string flag, OutputKind kind)
    {
        OutputPath.Check(path, flag, kind, inputs, replaces);   // the same answer when a command claims a path it was given
        var full = Path.GetFullPath(path);
        if (!created.Contains(full) && !File.Exists(full) && !Directory.Exists(full)) created.Add(full);
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
