using Interrogate.Analysis.Concepts;
using Interrogate.Analysis.Probing;
using Interrogate.Nn;
using Interrogate.Store;

namespace Interrogate.Analysis.Verdicts;

/// <summary>What a concept study shows beside the verdicts: sparse probes, activation samples and top contexts, all from the ranked tokens' store.</summary>
internal static class StudyEvidence
{
    /// <summary>k-sparse probes over the concatenated hooks on evenly spaced ranked tokens.</summary>
    public static IReadOnlyList<ProbeRow> Probe(ActivationStore store, ConceptStudyOptions options, bool[] labels)
    {
        int n = (int)Math.Min(options.ProbeTokens, store.Tokens);
        long stride = store.Tokens / n;
        var widths = options.Hooks.Select(store.Width).ToArray();
        int total = widths.Sum();
        var x = new float[(long)n * total];
        var y = new bool[n];
        var columns = options.Hooks.SelectMany((h, i) => Enumerable.Range(0, widths[i]).Select(j => new UnitRef(h, j))).ToArray();
        for (int i = 0; i < n; i++)
        {
            long token = i * stride;
            y[i] = labels[token];
            int at = 0;
            foreach (var hook in options.Hooks)
            {
                var row = store.ReadRows(hook, token, 1);
                row.CopyTo(x.AsSpan(i * total + at));
                at += row.Length;
            }
        }
        var results = SparseProbe.Run(x, total, y, new SparseProbeOptions { Ks = options.ProbeKs, Seed = options.Seed, Selection = NeuronSelection.Auc });
        return [.. results.Select(r => new ProbeRow(r.K, r.F1, r.F1StdDev, r.Accuracy, r.Auc, [.. r.ConsensusNeurons.Select(c => columns[c].ToString())]))];
    }

    /// <summary>Up to <paramref name="samples"/> evenly spaced activations of each kind, and the top contexts with every token's activation.</summary>
    public static NeuronEvidence Evidence(ActivationStore store, string hook, int neuron, bool[] labels, int samples)
    {
        var column = store.ReadNeuron(hook, neuron, 0, labels.Length);
        float[] Sample(bool kind)
        {
            var values = column.Where((_, i) => labels[i] == kind).ToArray();
            int step = Math.Max(1, values.Length / Math.Max(1, samples));
            return [.. values.Where((_, i) => i % step == 0).Take(samples)];
        }
        var contexts = store.TopContexts(hook, neuron).Select(c =>
        {
            long from = c.Token - c.Offset;
            return new EvidenceContext(c.Ids, column.AsSpan((int)from, c.Ids.Length).ToArray(), c.Offset);
        }).ToList();
        return new NeuronEvidence(HookNames.LayerOf(hook), neuron, Sample(true), Sample(false), contexts);
    }

    public static List<ContextSnippet> Contexts(ActivationStore store, string hook, int neuron, Func<int, string> tokenText) =>
        [.. store.TopContexts(hook, neuron).Select(c => new ContextSnippet(c.Value,
            string.Concat(c.Ids[..c.Offset].Select(tokenText)), tokenText(c.Ids[c.Offset]), string.Concat(c.Ids[(c.Offset + 1)..].Select(tokenText))))];
}
