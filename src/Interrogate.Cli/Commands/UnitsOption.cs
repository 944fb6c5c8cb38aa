using System.CommandLine;
using Interrogate.Features;

namespace Interrogate.Cli.Commands;

/// <summary>
/// `--units neurons | sae:DIR | transcoder:DIR`: which units an analysis studies. DIR is a dictionary
/// in the SAELens layout (cfg.json, sae_weights.safetensors); transcoder: requires one whose input and
/// output hooks differ, sae: one whose hooks are the same.
/// </summary>
internal static class UnitsOption
{
    public static Option<string> Create() =>
        new("--units") { Description = "Units to study: neurons (the MLPs), sae:DIR or transcoder:DIR (a dictionary's features, SAELens layout)", DefaultValueFactory = _ => "neurons" };

    /// <summary>The dictionary a --units value names, or null for neurons.</summary>
    public static SparseDictionary? Parse(string value)
    {
        if (value == "neurons") return null;
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? value : value[..colon];
        if (kind is not ("sae" or "transcoder") || colon == value.Length - 1)
            throw new InputException($"--units: expected neurons, sae:DIR or transcoder:DIR, got '{value}'");
        var dir = value[(colon + 1)..];
        if (!Directory.Exists(dir)) throw new InputException($"--units: {dir}: dictionary folder not found");
        var dictionary = SaeLensFormat.Load(dir);
        if ((kind == "transcoder") != dictionary.IsTranscoder)
            throw new InputException($"--units {kind}:{dir}: the dictionary is {(dictionary.IsTranscoder ? "a transcoder (use transcoder:)" : "an autoencoder (use sae:)")}");
        return dictionary;
    }
}
