using System.CommandLine;
using Interrogate.Models.Transformer;
using Interrogate.Text;

namespace Interrogate.Cli.Commands;

/// <summary>The --model option of the language-model commands and how a folder is opened.</summary>
internal static class ModelOptions
{
    public static Option<string> Model() => new("--model")
    {
        Description = "Model folder in the Hugging Face layout (config.json, model.safetensors, tokenizer files)",
        Required = true,
    };

    /// <summary>
    /// The model used when --model is left out: $INTERROGATE_MODEL when set, else the nearest
    /// models/sotu-small (with a config.json) walking up from the program's folder, then from the
    /// current folder. InputException when there is none.
    /// </summary>
    public static string DefaultModelDirectory()
    {
        if (Environment.GetEnvironmentVariable("INTERROGATE_MODEL") is { Length: > 0 } fromEnvironment) return fromEnvironment;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "models", "sotu-small");
                if (File.Exists(Path.Combine(candidate, "config.json"))) return candidate;
            }
        throw new InputException("--model: not given, $INTERROGATE_MODEL is not set, and no models/sotu-small/config.json was found above the program or the current folder");
    }

    public static Option<string> TextFile() => new("--text") { Description = "UTF-8 text file", Required = true };

    public static CausalLanguageModel LoadModel(string directory)
    {
        if (!Directory.Exists(directory)) throw new InputException($"{directory}: model folder not found");
        return TransformerLoader.FromDirectory(directory);
    }

    public static ITokenizer LoadTokenizer(string directory)
    {
        if (!Directory.Exists(directory)) throw new InputException($"{directory}: model folder not found");
        return TokenizerLoader.FromDirectory(directory);
    }

    /// <summary>Reads a text file strictly: invalid UTF-8 is an error naming the file and byte offset.</summary>
    public static string ReadText(string path)
    {
        if (Directory.Exists(path)) throw new InputException($"--text {path}: is a folder, expected a UTF-8 text file");
        if (!File.Exists(path)) throw new InputException($"--text {path}: file not found");
        return Utf8Text.ReadFile(path);
    }
}
