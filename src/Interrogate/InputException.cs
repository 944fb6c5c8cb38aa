namespace Interrogate;

/// <summary>
/// A problem the user can fix: a bad file, flag, dataset or configuration. The message is one
/// line that names the file or flag and the problem; the CLI prints it and exits with code 2.
/// </summary>
public class InputException : Exception
{
    public InputException(string message) : base(message) { }
    public InputException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Builds "FILE: problem", the form every file error takes.</summary>
    public static InputException ForFile(string path, string problem, Exception? inner = null) =>
        inner is null ? new InputException($"{path}: {problem}") : new InputException($"{path}: {problem}", inner);
}
