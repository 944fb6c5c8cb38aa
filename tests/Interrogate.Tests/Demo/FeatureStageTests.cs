using Interrogate.Analysis.Verdicts;
using Interrogate.Demo;
using Interrogate.Numerics;

namespace Interrogate.Tests.Demo;

public sealed class FeatureStageTests
{
    private static CandidateNeuron Candidate(string unit, double auc, double value, double low, double high, Verdict verdict) =>
        new(unit, 2, 0, "h", ConceptRole.Predictor, auc, auc, 0, 0,
            new RoleEffect(new Interval(value, low, high), new Interval(0, 0, 0), new Interval(value, low, high), null), 0.01, 0.02, true, verdict == Verdict.Responsible, verdict, []);

    [Fact]
    public void Compare_FeatureResponsibleNeuronUnused_FeatureBetterByVerdictWithItsNumbers()
    {
        var neuron = Candidate("L0.N231", 0.78, 0.0151, 0.0082, 0.0221, Verdict.EncodesButUnused);
        var feature = Candidate("f[7]", 0.97, 0.2100, 0.1800, 0.2400, Verdict.Responsible);
        var (better, answer) = FeatureStage.Compare(neuron, feature);
        Assert.Equal("feature", better);
        Assert.Contains("responsible against encodes-but-unused", answer);
        Assert.Contains("low end +0.1800 against high end +0.0221", answer);
        Assert.Contains("13.9 times", answer);   // 0.2100 / 0.0151
        Assert.Contains("by verdict", answer);
    }

    [Fact]
    public void Compare_SameVerdictOverlappingEffects_DecidedByAucAndSaysSo()
    {
        var neuron = Candidate("L0.N231", 0.80, 0.0151, 0.0082, 0.0221, Verdict.EncodesButUnused);
        var feature = Candidate("f[7]", 0.70, 0.0200, 0.0100, 0.0300, Verdict.EncodesButUnused);
        var (better, answer) = FeatureStage.Compare(neuron, feature);
        Assert.Equal("neuron", better);
        Assert.Contains("intervals overlap", answer);
        Assert.Contains("closer to chance than the neuron's by 0.100", answer);
        Assert.Contains("by encoding only", answer);
    }

    [Fact]
    public void Best_PrefersResponsibleThenTheHigherIntervalLowEnd()
    {
        CandidateNeuron[] candidates =
        [
            Candidate("a", 0.9, 0.5, 0.1, 0.9, Verdict.EncodesButUnused),
            Candidate("b", 0.9, 0.2, 0.15, 0.25, Verdict.Responsible),
            Candidate("c", 0.9, 0.3, 0.2, 0.4, Verdict.Responsible),
        ];
        Assert.Equal("c", FeatureStage.Best(candidates)!.Unit);
    }
}
