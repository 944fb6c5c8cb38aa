using Interrogate.Analysis.Ablation;
using Interrogate.Analysis.Concepts;
using Interrogate.Analysis.Verdicts;
using Interrogate.Models.Transformer;
using Interrogate.Numerics;
using Interrogate.Tensors;
using Xunit.Abstractions;

namespace Interrogate.Tests.Analysis.Verdicts;

/// <summary>The estimated null (attribution patching calibrated by a few exact ablations) keeps the rank test valid.</summary>
public sealed class EstimatedNullTests(ITestOutputHelper output)
{
    [Fact]
    public void PValue_NoEstimatedUnitsNoSampling_EqualsExactRankPValue()
    {
        double[] exact = [0.1, 0.3, -0.2, 0.05, 0.4, 0.0];
        var nul = new EstimatedNull([1, 2, 3, 4, 5, 6], exact, [], 0, 4);
        foreach (var c in new[] { -1, 0.05, 0.2, 0.4, 0.41 })
            Assert.Equal(MultipleComparisons.RankPValue(c, exact), nul.PValue(c), 12);
        Assert.Equal(MultipleComparisons.SmallestPassing(exact, 0.5), nul.SmallestPassing(0.5), 6);
    }

    /// <summary>
    /// A null population where AtP explains half the variance and the rest is heavy-tailed (Student t, 3 df) noise:
    /// 8 units ablated exactly, 242 estimated. A unit drawn from the same population (the null hypothesis) gets
    /// p ≤ α at most at rate α (checked at 0.05 and 0.01 over 4,000 draws); a unit 10 noise SDs out gets a median p
    /// (over 200 draws of the calibration) below 2/251: a heavy-tailed calibration sample widens the null, as it should.
    /// </summary>
    [Fact]
    public void PValue_ExchangeableUnitHeavyTailedError_RejectsAtMostNominalRate()
    {
        var rng = new TensorRandom(7);
        double T3() { double z = rng.NextNormal(), chi = 0; for (int k = 0; k < 3; k++) { double g = rng.NextNormal(); chi += g * g; } return z / Math.Sqrt(chi / 3); }
        const int Trials = 4000;
        int at05 = 0, at01 = 0;
        var planted = new List<double>();
        for (int t = 0; t < Trials; t++)
        {
            var x = Enumerable.Range(0, 251).Select(_ => rng.NextNormal()).ToArray();
            var y = x.Select(v => 0.5 * v + 0.5 * T3()).ToArray();
            var nul = new EstimatedNull(x[..8], y[..8], x[8..250], samplingVariance: 0, windows: 2);
            double p = nul.PValue(y[250]);   // the 251st unit: exchangeable with the null
            if (p <= 0.05) at05++;
            if (p <= 0.01) at01++;
            if (t < 200) planted.Add(nul.PValue(10));
        }
        output.WriteLine($"rate at 0.05: {at05 / (double)Trials:F4}; at 0.01: {at01 / (double)Trials:F4}; median p of an effect 10 SDs out: {planted.Order().ElementAt(100):F5}, largest {planted.Max():F4}");
        Assert.True(at05 <= 0.05 * Trials, $"{at05} of {Trials} at 0.05");
        Assert.True(at01 <= 0.01 * Trials, $"{at01} of {Trials} at 0.01");
        Assert.True(planted.Order().ElementAt(100) <= 2.0 / 251, $"{planted.Order().ElementAt(100)}");
    }

    [Fact]
    public void PValue_WindowSampling_WidensExactMembers()
    {
        double[] exact = [0, 0, 0, 0, 1];
        var point = new EstimatedNull([0, 1, 2, 3, 4], exact, [], 0, 2);
        var sampled = new EstimatedNull([0, 1, 2, 3, 4], exact, [], samplingVariance: 0.25, 2);
        Assert.Equal(2 / 6.0, point.PValue(0.9), 12);
        Assert.True(sampled.PValue(0.9) > point.PValue(1.1) && sampled.PValue(1.1) > point.PValue(1.1));
        Assert.Equal(0.5, sampled.Calibration.SamplingSd, 12);
    }

    [Fact]
    public void Choose_ShippedModelDefaults_Exact()
    {
        var model = TransformerLoader.FromDirectory(ShippedModel());
        var options = new ConceptStudyOptions { Hooks = [.. Enumerable.Range(0, model.Dimensions.Layers).Select(l => $"blocks.{l}.mlp.hook_post")] };
        var plan = NullPlan.Choose(options, NullPlan.FlopsPerToken(model), windows: 115, length: model.Dimensions.ContextLength);   // the default run's windows
        output.WriteLine(plan.Reason);
        Assert.Equal(NullMode.Exact, plan.Mode);
        Assert.Equal(250, plan.ExactUnitsPerLayer);
    }

    [Fact]
    public void Choose_Gpt2SmallShape_EstimatedOnTwoWindowsAndExactWhenAsked()
    {
        var options = new ConceptStudyOptions { Hooks = [.. Enumerable.Range(0, 12).Select(l => $"blocks.{l}.mlp.hook_post")] };
        double perToken = 2.0 * 124_439_808;   // GPT-2 small's parameters
        var plan = NullPlan.Choose(options, perToken, windows: 52, length: 1024);
        output.WriteLine(plan.Reason);
        Assert.Equal(NullMode.Estimated, plan.Mode);
        Assert.Equal((8, 8, 2), (plan.ExactUnitsPerLayer, plan.ExactSetsPerRole, plan.CalibrationWindows));
        Assert.Equal(NullMode.Exact, NullPlan.Choose(options with { Null = NullMode.Exact }, perToken, 52, 1024).Mode);
        Assert.Throws<InputException>(() => NullPlan.Choose(options with { Method = AblationMethod.Resample, Null = NullMode.Estimated }, perToken, 52, 1024));
        Assert.Equal(NullMode.Exact, NullPlan.Choose(options with { RandomNeurons = 2, RandomSets = 1 }, perToken, 1, 1024).Mode);   // nothing to calibrate with
    }

    /// <summary>
    /// The planted predictor judged against an estimated null (8 of 150 random units and 8 of 20 random sets ablated
    /// exactly, on half the evaluation windows): still responsible, its twin still encodes-but-unused.
    /// </summary>
    [Fact]
    public void Study_PlantedPredictorEstimatedNull_StillResponsible()
    {
        var model = PlantedKit.WithPlanted(1);
        var tokens = PlantedKit.Text(8192, rule: true, 901);
        var labels = tokens.Select(PlantedKit.IsConcept).ToArray();
        var result = PlantedKit.Study(model, tokens, labels, 1, NullMode.Estimated, nullWindows: 4);
        var predictors = result.Candidates.Where(c => c.Role == ConceptRole.Predictor).ToList();
        var (planted, twin) = (predictors.Single(c => c.Neuron == PlantedKit.Planted), predictors.Single(c => c.Neuron == PlantedKit.Twin));
        output.WriteLine(PlantedNeuronTests.Describe(planted));
        output.WriteLine(PlantedNeuronTests.Describe(twin));
        foreach (var b in result.RandomBaseline) output.WriteLine($"{b.Role.Name()} L{b.Layer}: {b.Calibration}");
        Assert.Equal("estimated", result.Null!.Mode);
        Assert.All(result.RandomBaseline, b => Assert.Equal((8, 142, 4), (b.Calibration!.ExactUnits, b.Calibration.EstimatedUnits, b.Calibration.Windows)));
        Assert.All(result.RandomBaseline, b => Assert.InRange(b.Calibration!.RankCorrelation, -1, 1));
        Assert.Equal(Verdict.Responsible, planted.Verdict);
        Assert.Equal(Verdict.EncodesButUnused, twin.Verdict);
    }

    private static string ShippedModel()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "models", "sotu-small", "config.json"))) return Path.Combine(d.FullName, "models", "sotu-small");
        throw new InvalidOperationException("models/sotu-small not found above the test folder");
    }
}
