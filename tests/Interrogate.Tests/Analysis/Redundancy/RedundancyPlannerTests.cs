using Interrogate.Numerics;
using Interrogate.Analysis.Redundancy;
using Interrogate.Data;
using Interrogate.Models.Mlp;
using Interrogate.Subjects;

namespace Interrogate.Tests.Analysis.Redundancy;

public sealed class RedundancyPlannerTests
{
    [Fact]
    public void Run_DuplicateAndScaledCopy_BothMergedWithR2OneAndLossUnchanged()
    {
        var model = RedundancyKit.Mlp(6, [8], 3, seed: 11);
        RedundancyKit.Copy(model, 0, source: 1, copy: 5, scale: 1f);
        RedundancyKit.Copy(model, 0, source: 2, copy: 6, scale: 2f);
        var subject = RedundancyKit.Subject(model, 6, 3, seed: 100, low: -1f, high: 1f);

        var result = new RedundancyPlanner(subject, new RedundancyOptions { MinR2 = 0.99 }).Run();

        Assert.Equal(2, result.Merges.Count);
        var duplicate = RedundancyKit.Find(result, 0, 1, 5);
        var scaled = RedundancyKit.Find(result, 0, 2, 6);
        Assert.NotNull(duplicate);
        Assert.NotNull(scaled);
        foreach (var m in new[] { duplicate!, scaled! })
        {
            Assert.Equal("pair", m.Kind);
            Assert.True(m.R2 > 1 - 1e-6, $"R² {m.R2}");
            Assert.True(m.Bound < 1e-3, $"bound {m.Bound}");
            Assert.True(Math.Abs(m.DeltaLoss!.Value) < 1e-5, $"Δloss {m.DeltaLoss}");
        }
        // 6 = 2·2: removing 6 keeps 2 with coefficient 2; removing 2 keeps 6 with 0.5.
        Assert.Equal(scaled!.Removed[0] == 6 ? 2.0 : 0.5, scaled.Coefficients[0], 4);
        Assert.True(Math.Abs(result.After.Loss - result.Before.Loss) < 1e-5);
        Assert.Equal(new[] { duplicate!.Removed[0], scaled.Removed[0] }.Order(), result.Removed[0]);
    }

    [Fact]
    public void Run_NeuronIsSumOfTwoOthers_FoundAsSet()
    {
        var model = RedundancyKit.Mlp(6, [8], 3, seed: 12);
        var linear = model.HiddenLayers[0];
        var w = linear.Weight.Span;
        var b = linear.Bias!.Span;
        // Neurons 3 and 4 have positive weights and bias on inputs in [0, 1]: ReLU stays linear, so 7 = 3 + 4 exactly.
        for (int i = 0; i < 6; i++) { w[3 * 6 + i] = 0.1f + 0.05f * i; w[4 * 6 + i] = 0.4f - 0.05f * i; w[7 * 6 + i] = w[3 * 6 + i] + w[4 * 6 + i]; }
        b[3] = 0.2f; b[4] = 0.1f; b[7] = 0.3f;
        var subject = RedundancyKit.Subject(model, 6, 3, seed: 200);

        var result = new RedundancyPlanner(subject, new RedundancyOptions { MinR2 = 0.999 }).Run();

        var set = RedundancyKit.Find(result, 0, 3, 4, 7);
        Assert.NotNull(set);
        Assert.Equal("set", set!.Kind);
        Assert.Equal(2, set.Kept.Length);
        Assert.True(set.R2 > 1 - 1e-5, $"R² {set.R2}");   // float32 Gram matrices: R² is good to about 1e-6
        Assert.True(Math.Abs(set.DeltaLoss!.Value) < 1e-5, $"Δloss {set.DeltaLoss}");
    }

    [Fact]
    public void Run_RandomNetwork_NoMergesAtHighR2()
    {
        var model = RedundancyKit.Mlp(20, [16, 12], 4, seed: 13);
        var subject = RedundancyKit.Subject(model, 20, 4, seed: 300, low: -1f, high: 1f);

        var result = new RedundancyPlanner(subject, new RedundancyOptions { MinR2 = 0.99 }).Run();

        Assert.Empty(result.Merges);
        Assert.All(result.Layers, l => Assert.Equal(0, l.Removed));
        Assert.Equal(result.Before.Loss, result.After.Loss);
    }

    [Fact]
    public void Run_TwinsFeedingSaturatingLayer_SingleAblationZeroJointLarge()
    {
        var model = Twins();
        var data = Binary(200);
        var subject = ClassifierSubject.ForFits(model, data, data, data);

        var result = new RedundancyPlanner(subject, new RedundancyOptions { MinR2 = 0.99 }).Run();

        var twins = RedundancyKit.Find(result, 0, 0, 1);
        Assert.NotNull(twins);
        Assert.All(twins!.SingleAblation!, d => Assert.True(Math.Abs(d) < 1e-6, $"single Δloss {d}"));
        Assert.True(twins.JointAblation > 1, $"joint Δloss {twins.JointAblation}");
        Assert.True(Math.Abs(twins.DeltaLoss!.Value) < 1e-6, $"fold Δloss {twins.DeltaLoss}");
        Assert.Equal(1.0, result.After.Accuracy);
    }

    [Fact]
    public void Run_TargetFraction_StopsAtTheTarget()
    {
        var model = RedundancyKit.Mlp(6, [8], 3, seed: 11);
        RedundancyKit.Copy(model, 0, 1, 5, 1f);
        RedundancyKit.Copy(model, 0, 2, 6, 2f);
        var subject = RedundancyKit.Subject(model, 6, 3, seed: 100, low: -1f, high: 1f);

        var result = new RedundancyPlanner(subject, new RedundancyOptions { MinR2 = 0.5, TargetFraction = 1.0 / 8, MeasureEachMerge = false }).Run();

        Assert.Single(result.Merges);
        Assert.True(result.Merges[0].R2 > 1 - 1e-6);   // the best candidate is taken first
        Assert.Null(result.Merges[0].DeltaLoss);
    }

    [Fact]
    public void Run_LossBudgetZero_KeepsOnlyLossFreeMerges()
    {
        var model = RedundancyKit.Mlp(6, [8], 3, seed: 11);
        RedundancyKit.Copy(model, 0, 1, 5, 1f);
        var subject = RedundancyKit.Subject(model, 6, 3, seed: 100, low: -1f, high: 1f);

        var result = new RedundancyPlanner(subject, new RedundancyOptions { MinR2 = 0.01, MaxSet = 1, LossBudget = 1e-6 }).Run();

        Assert.NotNull(RedundancyKit.Find(result, 0, 1, 5));
        Assert.All(result.Merges, m => Assert.True(m.CumulativeDeltaLoss <= 1e-6));
        Assert.True(result.After.Loss - result.Before.Loss <= 1e-6);
    }

    /// <summary>
    /// x ∈ {0, 1} → twins a = b = relu(x) → z1 = relu(2a + 2b − 1), z2 = relu(2a + 2b − 2) → logit
    /// difference 10·(z1 − z2) − 5. Mean-ablating one twin (to 0.5) leaves the class margin unchanged;
    /// ablating both makes x = 0 look like x = 1.
    /// </summary>
    private static MlpClassifier Twins()
    {
        var model = RedundancyKit.Mlp(1, [2, 2], 2, seed: 1);
        float[][] values =
        [
            [1, 1], [0, 0],             // layer 0 weight [2, 1], bias
            [2, 2, 2, 2], [-1, -2],     // layer 1 weight [2, 2], bias
            [0, 0, 10, -10], [5, 0],    // head weight [2, 2], bias
        ];
        var linears = new[] { model.HiddenLayers[0], model.HiddenLayers[1], model.Output };
        for (int i = 0; i < 3; i++)
        {
            values[2 * i].CopyTo(linears[i].Weight.Span);
            values[2 * i + 1].CopyTo(linears[i].Bias!.Span);
        }
        return model;
    }

    private static LabelledImages Binary(int count) =>
        new([.. Enumerable.Range(0, count).Select(i => (float)(i % 2))], [.. Enumerable.Range(0, count).Select(i => i % 2)], 1, 1, 2);
}

public sealed class FoldingTests
{
    [Fact]
    public void Fold_SetToSetMapOfCopies_LeavesLossUnchangedAndZeroesRemovedColumns()
    {
        var model = RedundancyKit.Mlp(6, [8], 3, seed: 11);
        RedundancyKit.Copy(model, 0, 1, 5, 1f);
        RedundancyKit.Copy(model, 0, 2, 6, 2f);
        var subject = RedundancyKit.Subject(model, 6, 3, seed: 100, low: -1f, high: 1f);
        var fit = new ActivationMoments(8);
        subject.Stream(DataPart.Calibration, (_, rows) => fit.Add(rows));
        double before = subject.Evaluate().Loss;

        var map = LinearFit.Fit(fit, [0, 1, 2, 3, 4, 7], [5, 6]);
        Folding.Fold(subject.Layers[0], map);

        Assert.True(Math.Abs(subject.Evaluate().Loss - before) < 1e-5);
        var w = model.Output.Weight.ToArray();   // [3, 8]
        Assert.All(Enumerable.Range(0, 3), o => Assert.Equal([0f, 0f], [w[o * 8 + 5], w[o * 8 + 6]]));
    }
}
