using Interrogate.Store;
using Interrogate.Analysis.Concepts;

namespace Interrogate.Analysis.Probing;

/// <summary>Activations of one hook over a token range of a store, with a concept's label for each token.</summary>
/// <param name="Hook">The hook point the rows come from.</param>
/// <param name="Start">Source position of the first row.</param>
/// <param name="Width">Neurons per row.</param>
/// <param name="Activations">[Labels.Length, Width], row-major.</param>
/// <param name="Labels">[tokens], true where the concept holds.</param>
public sealed record ProbeDataset(string Hook, long Start, int Width, float[] Activations, bool[] Labels)
{
    /// <summary>
    /// Reads tokens [start, start + count) of a store (count null: all, which must fit in memory as
    /// [count, width] floats) and labels them by their display texts, e.g.
    /// <c>FromStore(store, "blocks.5.mlp.hook_post", tokenizer.TokenText, Concept.BuiltIn("capitalized"))</c>.
    /// </summary>
    public static ProbeDataset FromStore(ActivationStore store, string hook, Func<int, string> tokenText, Concept concept, long start = 0, int? count = null)
    {
        int n = count ?? checked((int)(store.Tokens - start));
        var texts = store.ReadTokens(start, n).Select(tokenText).ToArray();
        return new ProbeDataset(hook, start, store.Width(hook), store.ReadRows(hook, start, n), concept.Label(texts));
    }

    public IReadOnlyList<SparseProbeResult> Probe(SparseProbeOptions? options = null) => SparseProbe.Run(Activations, Width, Labels, options);
}
