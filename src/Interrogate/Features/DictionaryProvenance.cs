using Interrogate.Store;

namespace Interrogate.Features;

/// <summary>
/// Which dictionary a store's feature activations came from: written into the manifest when a store is recorded
/// with <c>--units</c>, and checked when the store is read with <c>--units</c>, so features of one dictionary are
/// never read as another's (two dictionaries of the same width on the same hook look alike otherwise).
/// </summary>
public static class DictionaryProvenance
{
    /// <summary>The manifest entry for a loaded dictionary (its <see cref="SparseDictionary.Source"/> must be set).</summary>
    public static StoredDictionary Describe(SparseDictionary d)
    {
        var source = d.Source ?? throw new ArgumentException("the dictionary was not loaded from a folder", nameof(d));
        return new StoredDictionary(FeatureHook.NameOf(d.HookOut), source.Directory, source.WeightsSha256, d.HookIn, d.HookOut, d.Latents,
            SaeLensFormat.Architecture(d.Activation));
    }

    /// <summary>
    /// Throws an <see cref="InputException"/> naming <paramref name="option"/> when the store's feature hook of
    /// <paramref name="d"/> was recorded from other weights or has another width. A store written before stores
    /// named their dictionaries has no entry; it is read as before (only the width is checked).
    /// </summary>
    /// <param name="manifest">The store's manifest.</param>
    /// <param name="d">The dictionary the reader names.</param>
    /// <param name="option">What the reader named it with, e.g. "--units sae:sae/".</param>
    public static void Check(ActivationManifest manifest, SparseDictionary d, string option)
    {
        string hook = FeatureHook.NameOf(d.HookOut);
        var stored = manifest.Hooks.FirstOrDefault(h => h.Name == hook)
            ?? throw new InputException($"{option}: the store has no {hook} (it holds {string.Join(", ", manifest.Hooks.Select(h => h.Name))}); record it with `activations record --units`");
        if (stored.Width != d.Latents)
            throw new InputException($"{option}: the store's {hook} has {stored.Width} features, this dictionary {d.Latents}; it was recorded with another dictionary");
        if (manifest.Dictionaries?.FirstOrDefault(x => x.Hook == hook) is not { } recorded) return;
        var sha = d.Source?.WeightsSha256;
        if (sha != recorded.WeightsSha256)
            throw new InputException($"{option}: the store's {hook} was recorded with the dictionary at {recorded.Path} (weights sha256 {Short(recorded.WeightsSha256)}), "
                + $"not this one (sha256 {(sha is null ? "unknown" : Short(sha))}); pass that dictionary or record the store again");
    }

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] + "…" : sha;
}
