using Interrogate.Store;
using Interrogate.Analysis.Concepts;
using Interrogate.Analysis.Probing;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Analysis.Probing;

public sealed class ProbeDatasetTests
{
    /// <summary>Token id i displays as "Ai" when i % 3 == 0, else " ai": the capitalized tokens are a third of the vocabulary.</summary>
    private static string Text(int id) => id % 3 == 0 ? $"A{id}" : $" a{id}";

    [Fact]
    public void FromStore_Capitalized_LabelsStoredTokensAndProbes()
    {
        using var temp = new TempDir();
        var ids = ModelKit.RandomIds(200, ModelKit.Gpt2Tiny.VocabSize, seed: 3);
        ActivationRecorder.Record(ModelKit.Gpt2(), "tiny", TokenSource.FromArray(ids, "random-200"), temp.Path,
            new ActivationStoreOptions { WindowLength = 20, BatchSize = 2, WindowsPerChunk = 3, Precision = StorePrecision.Float32 });
        using var store = ActivationStore.Open(temp.Path);

        var data = ProbeDataset.FromStore(store, "blocks.1.mlp.hook_post", Text, Concept.BuiltIn("capitalized"), start: 20, count: 150);
        Assert.Equal(ids[20..170].Select(i => i % 3 == 0), data.Labels);
        Assert.Equal(store.ReadRows("blocks.1.mlp.hook_post", 20, 150), data.Activations);

        var results = data.Probe(new SparseProbeOptions { Ks = [1, 4, 99], Folds = 3 });
        Assert.Equal([1, 4], results.Select(r => r.K));
        Assert.All(results, r => Assert.InRange(r.F1, 0, 1));
        Assert.All(results[1].Folds, f => Assert.Equal(4, f.Neurons.Distinct().Count()));
    }
}
