using System.CommandLine;
using Interrogate.Features;
using Interrogate.Models.Transformer;

namespace Interrogate.Cli.Commands;

/// <summary>
/// `--units sae:DIR` / `--units transcoder:DIR`: study a sparse dictionary's features (SAELens layout)
/// instead of the --hook units. The dictionary is spliced into the model as the hook point
/// <c>{hook}.hook_sae_acts_post</c> (<see cref="FeatureHook"/>), which then stands in for --hook.
/// </summary>
internal static class UnitsOption
{
    public static Option<string?> Create() => new("--units")
    {
        Description = "Study a dictionary's features instead of --hook: sae:DIR or transcoder:DIR (SAELens layout); "
            + "a feature is ablated or patched through its decoder contribution, the reconstruction error kept",
    };

    /// <summary>
    /// Attaches the dictionary <paramref name="spec"/> names to <paramref name="model"/> and returns its
    /// feature hook's name (the --hook pattern to study), or <paramref name="hook"/> when spec is null.
    /// </summary>
    public static string Resolve(CausalLanguageModel model, string? spec, string hook) =>
        spec is null ? hook : Attach(model, spec).Name;

    /// <summary>The dictionary of "sae:DIR" or "transcoder:DIR", spliced into the model; InputException naming --units otherwise.</summary>
    public static FeatureHook Attach(CausalLanguageModel model, string spec) => FeatureHook.Attach(model, Load(spec), $"--units {spec}");

    /// <summary>The dictionary a --units value names (for commands that study its features apart from a model), or null when none or "neurons".</summary>
    public static SparseDictionary? Parse(string? spec) => spec is null or "neurons" ? null : Load(spec);

    private static SparseDictionary Load(string spec)
    {
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        string kind = colon > 0 ? spec[..colon] : "", dir = colon > 0 ? spec[(colon + 1)..] : "";
        if (kind is not ("sae" or "transcoder") || dir.Length == 0)
            throw new InputException($"--units: expected sae:DIR or transcoder:DIR, got '{spec}'");
        var dictionary = SaeLensFormat.Load(dir);
        if (dictionary.IsTranscoder != (kind == "transcoder"))
            throw new InputException($"--units {spec}: {dir} holds {(dictionary.IsTranscoder ? "a transcoder (use transcoder:DIR)" : "a sparse autoencoder (use sae:DIR)")}");
        return dictionary;
    }
}
