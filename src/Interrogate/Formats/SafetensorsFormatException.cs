namespace Interrogate.Formats;

/// <summary>
/// A safetensors file that breaks the format: bad header length, JSON, dtype, shape or offsets.
/// The message is "FILE: problem" or "FILE: tensor 'NAME': problem".
/// </summary>
public sealed class SafetensorsFormatException : InputException
{
    public string Path { get; }
    /// <summary>The offending header entry, or null for a header-level problem.</summary>
    public string? TensorName { get; }

    public SafetensorsFormatException(string path, string problem) : base($"{path}: {problem}")
    {
        Path = path;
    }

    public SafetensorsFormatException(string path, string tensorName, string problem)
        : base($"{path}: tensor '{MessageText.Printable(tensorName)}': {problem}")
    {
        Path = path;
        TensorName = tensorName;
    }
}
