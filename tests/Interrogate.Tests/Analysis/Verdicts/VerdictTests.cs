using Interrogate.Store;
using Interrogate.Analysis.Concepts;
using Interrogate.Analysis.Verdicts;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Analysis.Verdicts;

public sealed class VerdictTests
{
    private static readonly VerdictThresholds Thresholds = new(AucDistance: 0.2, Alpha: 0.05);

    [Theory]
    [InlineData(0.9, 0.01, 0.010, 0.005, Verdict.Responsible)]
    [InlineData(0.1, 0.01, 0.010, 0.005, Verdict.Responsible)]         // below 0.5 encodes too
    [InlineData(0.9, 0.06, 0.010, 0.005, Verdict.EncodesButUnused)]    // corrected test fails
    [InlineData(0.9, 0.01, -0.001, 0.005, Verdict.EncodesButUnused)]   // effect interval reaches zero
    [InlineData(0.9, 0.01, 0.010, -0.002, Verdict.EncodesButUnused)]   // not specific: concept − control interval reaches zero
    [InlineData(0.6, 0.01, 0.010, 0.005, Verdict.Contributes)]
    [InlineData(0.6, 0.50, 0.010, 0.005, Verdict.None)]
    public void Judge_Measurements_GiveVerdict(double auc, double holmP, double effectLow, double specificityLow, Verdict expected)
    {
        var effect = new Interrogate.Numerics.Interval(0.02, effectLow, 0.03);
        var specificity = new Interrogate.Numerics.Interval(0.015, specificityLow, 0.03);
        Assert.Equal(expected, VerdictRules.Judge(VerdictRules.Encodes(auc, Thresholds), VerdictRules.Causal(holmP, effect, specificity, Thresholds)));
    }

    [Fact]
    public void VerdictNames_AreTheJsonNames()
    {
        Assert.Equal(["responsible", "encodes-but-unused", "contributes", "none"],
            new[] { Verdict.Responsible, Verdict.EncodesButUnused, Verdict.Contributes, Verdict.None }.Select(v => v.Name()).ToArray());
        Assert.Equal("\"encodes-but-unused\"", System.Text.Json.JsonSerializer.Serialize(Verdict.EncodesButUnused));
        Assert.Equal("\"predictor\"", System.Text.Json.JsonSerializer.Serialize(ConceptRole.Predictor));
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
    public void Thresholds_FromRandomAucs_NinetyFifthPercentileWithFloor()
    {
        var t = VerdictRules.Thresholds([.. Enumerable.Range(1, 20).Select(i => i / 400.0)]);
        Assert.Equal(VerdictRules.MinAucDistance, t.AucDistance);   // p95 0.0476 is below the floor
        var wide = VerdictRules.Thresholds([.. Enumerable.Range(1, 20).Select(i => i / 50.0)]);
        Assert.Equal(0.381, wide.AucDistance, 9);                    // type-7 p95 of 0.02..0.40
        Assert.Contains("Holm", t.Rule);
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
