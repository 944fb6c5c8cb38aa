namespace Interrogate.IO;

/// <summary>What an output flag names: a folder the command fills, or one file it writes.</summary>
public enum OutputKind { Folder, File }

/// <summary>
/// Checks an output path before any work is done, so a run that cannot write its result fails in
/// its first second rather than after hours, and names the flag rather than a temp file. Nothing
/// is created: writability is probed with a file that deletes itself on close.
/// </summary>
public static class OutputPath
{
    /// <param name="path">The path the user gave.</param>
    /// <param name="flag">The flag that named it ("--out"), for the message.</param>
    /// <param name="kind">Whether the command writes a folder or a single file there.</param>
    /// <param name="inputs">Files and folders the command reads; the output may not be one of them or lie inside one.</param>
    /// <param name="replaces">True when the command may replace an existing file there (it resumes or updates it).</param>
    public static void Check(string path, string flag, OutputKind kind, IEnumerable<string> inputs, bool replaces = false)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InputException($"{flag}: an empty path");
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new InputException($"{flag} {path}: not a usable path ({e.Message})");
        }
        if (kind == OutputKind.Folder && File.Exists(full))
            throw new InputException($"{flag} {path}: is an existing file; name a folder (new or one this command wrote)");
        if (kind == OutputKind.File && Directory.Exists(full))
            throw new InputException($"{flag} {path}: is a folder; name a file");
        if (kind == OutputKind.File && !replaces && File.Exists(full))
            throw new InputException($"{flag} {path}: already exists; remove it or choose another path");

        foreach (var input in inputs)
        {
            string inputFull;
            try { inputFull = Path.GetFullPath(input); }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { continue; }
            if (SamePath(full, inputFull))
                throw new InputException($"{flag} {path}: is also an input of this command; write the result elsewhere");
            if (Directory.Exists(inputFull) && IsInside(full, inputFull))
                throw new InputException($"{flag} {path}: lies inside the input folder {input}; write the result elsewhere");
        }

        // The nearest folder that exists must be a folder we can create files in.
        var ancestor = Path.GetDirectoryName(full.TrimEnd(Path.DirectorySeparatorChar));
        if (kind == OutputKind.Folder && Directory.Exists(full)) ancestor = full;
        while (ancestor is not null && !Directory.Exists(ancestor))
        {
            if (File.Exists(ancestor)) throw new InputException($"{flag} {path}: {ancestor} is a file, not a folder");
            ancestor = Path.GetDirectoryName(ancestor);
        }
        if (ancestor is null) throw new InputException($"{flag} {path}: no existing parent folder");
        try
        {
            using var probe = new FileStream(Path.Combine(ancestor, $".interrogate-probe-{Environment.ProcessId}-{Guid.NewGuid():N}"),
                FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{flag} {path}: cannot write in {ancestor} ({e.Message.ReplaceLineEndings(" ").Trim()})");
        }
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(a.TrimEnd(Path.DirectorySeparatorChar), b.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);

    private static bool IsInside(string path, string folder) =>
        path.StartsWith(folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
