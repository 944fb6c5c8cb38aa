using Interrogate.Numerics;
using Interrogate.Analysis.Importance;
using Interrogate.Analysis.Pruning;
using Interrogate.Subjects;
using Interrogate.Tests.Analysis.Importance;
using Xunit.Abstractions;

namespace Interrogate.Tests.Analysis.Pruning;

public sealed class ScreenedAblationTests(ITestOutputHelper output)
{
    /// <summary>The tiny GPT with 4 neurons of block 0's MLP planted as unimportant: their outgoing columns are zero.</summary>
    private static readonly int[] Planted = [3, 11, 17, 20];

    private static LanguageModelSubject PlantedGpt2()
    {
        var net = ImportanceFixtures.Gpt2(windows: 4, length: 10, seed: 2);
        var layer = net.Layers[0];
        var w = layer.OutputWeight.Span;
        for (int o = 0; o < layer.OutputSize; o++)
            foreach (int j in Planted) w[o * layer.Width + j] = 0f;
        return net;
    }

    [Fact]
    public void Screened_PlantedUnimportantNeurons_ShortlistedAndTheChoiceEqualsTheUnscreenedOne()
    {
        var net = PlantedGpt2();
        var exact = (ScoreDecision)PruningMethods.Get(PruningMethod.Ablation).Analyse(net);
        var screened = (ScreenedAblationDecision)new ScreenedAblationMethod().Analyse(net);
        foreach (double fraction in new[] { 0.3, 0.1 })
            Assert.Equal(exact.Choose(net, fraction), screened.ChooseOnly(net, fraction));
        // Every planted neuron is on the shortlist (AtP and exact ablation both give it 0) and is removed.
        Assert.All(Planted, j => Assert.True(screened.Exact[0].ContainsKey(j), $"neuron {j} not shortlisted"));
        Assert.All(Planted, j => Assert.Equal(0.0, screened.Estimates[0][j]));
        // Shortlisted units carry the unscreened exact value, bit for bit; at 30% only 2·30% of each layer is measured.
        Assert.All(screened.Exact.Select((e, l) => (e, l)), p => Assert.All(p.e, u => Assert.Equal(exact.Scores[p.l][u.Key], u.Value)));
        int width = net.Layers[0].Width;
        Assert.All(screened.Report(), r => Assert.InRange(r.Measured, 1, 2 * PruningMethods.CountFor(width, 0.3) + width / 10));
        // How well AtP ranks every neuron against the exact mean ablation (not only the shortlist).
        var atp = AtpEstimate.MeanAblation(net, CalibrationStatistics.Measure(net));
        for (int l = 0; l < atp.Length; l++)
        {
            double rho = RankCorrelation.Spearman(atp[l], [.. exact.Scores[l].Select(v => (double)v)]);
            output.WriteLine($"layer {l}: Spearman ρ(AtP, exact) over all {atp[l].Length} neurons = {rho:F3}; shortlist {screened.Report()[l].Measured}, ρ there {screened.Report()[l].Spearman:F3}");
            Assert.True(rho > 0.9, $"layer {l}: ρ {rho}");
        }
    }

    [Fact]
    public void PruningRun_ScreenAtp_SameWidthsAndLossesAsUnscreenedAndReportsTheScreening()
    {
        var net = ImportanceFixtures.Classifier();
        var plain = PruningRun.Run(net, new PruningRequest { Method = PruningMethod.Ablation, Target = 0.4 }).Report;
        var screened = PruningRun.Run(net, new PruningRequest { Method = PruningMethod.Ablation, Target = 0.4, Screen = PruningScreen.Atp }).Report;
        Assert.Equal(plain.WidthsAfter, screened.WidthsAfter);
        Assert.Equal(plain.Pruned.Loss, screened.Pruned.Loss);
        Assert.Equal(plain.OriginalWithRemovedAblated.Loss, screened.OriginalWithRemovedAblated.Loss);
        Assert.Null(plain.Screening);
        Assert.Equal([5, 4], screened.Screening!.Select(s => s.Units));
        Assert.Equal([4, 4], screened.Screening!.Select(s => s.Measured));   // ⌈2·2⌉ of each layer (the dead neuron 2 of layer 0 among them, free)
    }

    [Fact]
    public void AtpEstimate_Classifier_MatchesASmallStepTowardsTheMean()
    {
        // First order: moving neuron j a fraction ε of the way to its mean changes the loss by ε·ΔL̂_j.
        var net = ImportanceFixtures.Classifier();
        var stats = CalibrationStatistics.Measure(net);
        var atp = AtpEstimate.MeanAblation(net, stats);
        const double eps = 1e-3;
        double clean = Loss(net, null, 0, 0, 0);
        foreach (var (l, j) in new[] { (0, 0), (0, 4), (1, 1) })
        {
            double moved = Loss(net, l, j, stats[l].Mean[j], eps);
            output.WriteLine($"L{l}.N{j}: ε·AtP {eps * atp[l][j]:E4}, measured {moved - clean:E4}");
            Assert.Equal(eps * atp[l][j], moved - clean, Math.Max(1e-7, Math.Abs(eps * atp[l][j]) * 0.05));
        }
    }

    private static double Loss(ClassifierSubject net, int? layer, int unit, float mean, double eps)
    {
        using var hooks = new Interrogate.Nn.HookScope();
        if (layer is int l)
            hooks.Edit(net.Layers[l].ActivationHook, a =>
            {
                var copy = a.Clone();
                var s = copy.Span;
                int w = net.Layers[l].Width;
                for (int r = 0; r < s.Length / w; r++) s[r * w + unit] += (float)(eps * (mean - s[r * w + unit]));
                return copy;
            });
        double sum = 0;
        long count = 0;
        for (int b = 0; b < net.CalibrationBatchCount; b++)
        {
            using var _ = Interrogate.Tensors.Autodiff.GradientTape.NoGrad();
            var (loss, n) = net.CalibrationLoss(b);
            sum += loss.Item() * (double)n;
            count += n;
        }
        return sum / count;
    }

    [Fact]
    public void Validate_ScreenWithAnotherMethod_NamesTheFlag()
    {
        var e = Assert.Throws<InputException>(() => new PruningRequest { Method = PruningMethod.Magnitude, Target = 0.3, Screen = PruningScreen.Atp }.Validate());
        Assert.StartsWith("--screen atp:", e.Message);
        Assert.Throws<InputException>(() => new PruningRequest { Method = PruningMethod.Ablation, Target = 0.3, Screen = PruningScreen.Atp, ScreenFactor = 0.5 }.Validate());
    }

    [Fact]
    public void Spearman_TiesAndOrder_AsDefined()
    {
        Assert.Equal(1.0, RankCorrelation.Spearman([1, 2, 3, 4], [10, 20, 30, 40]), 12);
        Assert.Equal(-1.0, RankCorrelation.Spearman([1, 2, 3], [3, 2, 1]), 12);
        Assert.Equal(0.5, RankCorrelation.Spearman([1, 2, 3], [1, 3, 2]), 12);
        Assert.True(double.IsNaN(RankCorrelation.Spearman([1, 1, 1], [1, 2, 3])));
    }
}
