using Interrogate.Store;
using Interrogate.Analysis.Concepts;
using Interrogate.Analysis.Verdicts;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Analysis.Verdicts;

public sealed class VerdictTests
{
    private static readonly VerdictThresholds Thresholds = new(AucDistance: 0.2, ConceptDelta: 0.05, Specificity: 2);

    [Theory]
    [InlineData(0.9, 0.10, 5.0, Verdict.Responsible)]
    [InlineData(0.1, 0.10, 5.0, Verdict.Responsible)]        // below 0.5 encodes too
    [InlineData(0.9, 0.01, 5.0, Verdict.EncodesButUnused)]   // effect below threshold
    [InlineData(0.9, 0.10, 1.5, Verdict.EncodesButUnused)]   // effect not specific
    [InlineData(0.6, 0.10, 5.0, Verdict.Contributes)]
    [InlineData(0.6, 0.01, 5.0, Verdict.None)]
    public void Judge_Measurements_GiveVerdict(double auc, double delta, double specificity, Verdict expected) =>
        Assert.Equal(expected, VerdictRules.Judge(auc, delta, specificity, Thresholds));

    [Fact]
    public void VerdictNames_AreTheJsonNames()
    {
        Assert.Equal(["responsible", "encodes-but-unused", "contributes", "none"],
            new[] { Verdict.Responsible, Verdict.EncodesButUnused, Verdict.Contributes, Verdict.None }.Select(v => v.Name()).ToArray());
    }

    [Fact]
    public void RandomBaseline_OneToTwenty_MeanPercentileAndCi()
    {
        var b = RandomBaseline.Of([.. Enumerable.Range(1, 20).Select(i => (double)i)], seed: 4);
        Assert.Equal(10.5, b.Mean, 12);
        Assert.Equal(19.05, b.Percentile95, 12);
        Assert.Equal(1.95, b.Percentile5, 12);   // type-7 quantile: 19 + 0.05·(20 − 19)
        // The bootstrap CI of the mean: SE = sd/√n ≈ 5.92/4.47 ≈ 1.32, so about 10.5 ± 2.6.
        Assert.InRange(b.CiLow, 7.5, 9.5);
        Assert.InRange(b.CiHigh, 11.5, 13.5);
        Assert.Equal(20, b.Count);
    }

    [Fact]
    public void Thresholds_FromBaselines_UseTheStricterBoundAndFloors()
    {
        var auc = new RandomBaseline(20, 0.02, 0.01, 0.03, 0.0, 0.05);
        var delta = new RandomBaseline(20, 0.004, 0.002, 0.012, -0.001, 0.009);
        var t = VerdictRules.Thresholds(auc, delta, 3);
        Assert.Equal(VerdictRules.MinAucDistance, t.AucDistance);   // 0.05 is below the floor
        Assert.Equal(0.012, t.ConceptDelta);                        // CI high beats the 95th percentile here
        Assert.Equal(3, t.Specificity);
        Assert.Contains("0.012", t.Rule);
    }

    [Fact]
    public void HistogramAuc_StoredActivations_MatchesExactRanking()
    {
        using var temp = new TempDir();
        var ids = ModelKit.RandomIds(400, ModelKit.Gpt2Tiny.VocabSize, seed: 9);
        var options = new ActivationStoreOptions { WindowLength = 20, Precision = StorePrecision.Float32, WindowsPerChunk = 8 };
        ActivationRecorder.Record(ModelKit.Gpt2(), "tiny", TokenSource.FromArray(ids, "r400"), temp.Path, options);
        using var store = ActivationStore.Open(temp.Path);
        var labels = ids.Select(i => i % 3 == 0).ToArray();
        const string hook = "blocks.1.mlp.hook_post";
        var approx = HistogramAuc.Rank(store, hook, labels);
        var exact = NeuronRanking.Rank(store.ReadRows(hook, 0, 400), store.Width(hook), labels);
        for (int j = 0; j < exact.Length; j++)
        {
            Assert.Equal(exact[j].Auc, approx[j].Auc, 2);
            Assert.Equal(exact[j].MeanDifference, approx[j].MeanDifference, 5);
        }
        Assert.Contains(exact, s => Math.Abs(s.Auc - 0.5) > 0.05);
    }

    [Fact]
    public void ConceptLabels_StatefulConcept_RestartsAtEachDocument()
    {
        // Documents: [A b <eot>] [d e]; sentence-start marks the first word of each document, though " b" ends no sentence.
        string[] texts = ["A", " b", "\n", " d", " e"];
        var labels = ConceptLabels.Label([0, 1, 2, 3, 4], endOfText: 2, i => texts[i], Concept.BuiltIn("sentence-start"));
        Assert.Equal([true, false, false, true, false], labels);
    }
}
