using Interrogate.Analysis.Pruning;
using Interrogate.Features;
using Interrogate.Subjects;

namespace Interrogate.Cli.Commands;

/// <summary>What `prune compare` compares: the methods, how to open the subject (only when something is measured), its layers' widths, and what names it in the sweep's fingerprint.</summary>
internal sealed record ComparedUnits(IReadOnlyList<IPruningMethod> Methods, Func<IComparisonSubject> Open, Subject Shape, string Identity = "neurons")
{
    /// <summary>--units: a dictionary's features, every method with the same two compensations.</summary>
    public static ComparedUnits Features(SparseDictionary dictionary, Subject network, IReadOnlyList<PruningMethod> names, double minR2, PruningScreen screen, double factor)
    {
        if (network is not LanguageModelSubject text) throw new InputException("--units: features need a language model (an MLP classifier has no dictionary hooks)");
        Analysis.Redundancy.RedundancyDataLoader.RequireHooks(text.Model, dictionary);
        var units = new FeatureUnitsPruning(dictionary, text);
        var methods = names.Distinct().SelectMany(m => m == PruningMethod.Redundancy
            ? [units.Method(m), units.Method(m, minR2)]
            : new[] { units.Method(m, screen: screen, factor: factor) }).ToList();
        var dictionaryHash = ComparisonShardFile.FingerprintOf([dictionary.HookIn, dictionary.HookOut, dictionary.Activation.ToString(), dictionary.K.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Hash(dictionary.EncoderWeight), Hash(dictionary.EncoderBias), Hash(dictionary.DecoderWeight), Hash(dictionary.DecoderBias), Hash(dictionary.Threshold)]);
        return new ComparedUnits(methods, () => new FeatureComparisonSubject(units, text), units.Analysed, "features:" + dictionaryHash);
    }

    private static string Hash(float[] values) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));
}
