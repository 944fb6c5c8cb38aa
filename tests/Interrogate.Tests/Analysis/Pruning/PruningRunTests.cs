using Interrogate.Analysis.Pruning;
using Interrogate.Tests.Analysis.Importance;
using Interrogate.Subjects;

namespace Interrogate.Tests.Analysis.Pruning;

public sealed class PruningRunTests
{
    [Fact]
    public void Run_Target_RemovesThatFractionOfEveryLayerAndReportsLosses()
    {
        var net = ImportanceFixtures.Classifier();
        var (pruned, report) = PruningRun.Run(net, new PruningRequest { Method = PruningMethod.Ablation, Target = 0.4 });
        Assert.Equal([3, 2], pruned.Widths);   // round(0.4·5) = 2, round(0.4·4) = 2
        Assert.Equal([5, 4], net.Widths);
        Assert.Equal(net.Evaluate().Loss, report.Original.Loss, 6);
        Assert.Equal(report.OriginalWithRemovedAblated.Loss, report.Pruned.Loss, 4);
        Assert.Null(report.Tuned);
    }

    [Fact]
    public void Run_LossBudget_SearchesOnCalibrationDataAndReportsOnEvaluationData()
    {
        var net = ImportanceFixtures.Gpt2();
        const double budget = 0.05;
        var (pruned, report) = PruningRun.Run(net, new PruningRequest { Method = PruningMethod.Magnitude, LossBudget = budget });
        Assert.NotEmpty(report.BudgetSearch);
        Assert.Equal(net.Evaluate(DataPart.Calibration).Loss, report.SearchBaselineLoss!.Value, 9);
        Assert.StartsWith("calibration:", report.SearchedOn);
        Assert.StartsWith("evaluation:", report.ReportedOn);
        // The chosen fraction is within budget on the calibration data; every probe beyond it was over.
        var chosen = PruningRun.Run(net, new PruningRequest { Method = PruningMethod.Magnitude, Target = Math.Max(report.Fraction, 1e-9) }).Pruned;
        if (report.Fraction > 0) Assert.True(chosen.Evaluate(DataPart.Calibration).Loss - report.SearchBaselineLoss.Value <= budget + 1e-9);
        Assert.All(report.BudgetSearch.Where(p => p.Fraction > report.Fraction), p => Assert.False(p.WithinBudget));
        Assert.Equal(net.Widths.Select(w => w - PruningMethods.CountFor(w, report.Fraction)), pruned.Widths);
    }

    [Fact]
    public void Run_LossBudget_ChoiceDoesNotDependOnTheEvaluationData()
    {
        var a = ImportanceFixtures.Gpt2();
        // The same model and calibration windows, other evaluation windows.
        var b = new Interrogate.Subjects.LanguageModelSubject(a.Model, a.Calibration, new Interrogate.Subjects.WindowedTokens(ImportanceFixtures.Windows(3, 10, 37, 99)), batchSize: 2);
        var request = new PruningRequest { Method = PruningMethod.Magnitude, LossBudget = 0.05 };
        var (ra, rb) = (PruningRun.Run(a, request).Report, PruningRun.Run(b, request).Report);
        Assert.Equal(ra.Fraction, rb.Fraction);
        Assert.Equal(ra.BudgetSearch.Select(p => p.Loss), rb.BudgetSearch.Select(p => p.Loss));
        Assert.NotEqual(ra.Original.Loss, rb.Original.Loss);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.2)]
    public void Validate_TargetOutsideOpenInterval_NamesTheFlag(double target)
    {
        var e = Assert.Throws<InputException>(() => new PruningRequest { Method = PruningMethod.Magnitude, Target = target }.Validate());
        Assert.Contains("--target", e.Message);
    }

    [Fact]
    public void Parse_UnknownMethod_ListsKnownOnes()
    {
        var e = Assert.Throws<InputException>(() => PruningMethods.Parse("random"));
        Assert.Equal("--method: unknown method 'random' (known: magnitude, wanda, ablation, taylor, redundancy)", e.Message);
    }

    [Fact]
    public void Compare_AllMethods_EveryChoiceMeasuredWithAndWithoutRefitOnTheSameBaseline()
    {
        var net = ImportanceFixtures.Classifier();
        var methods = PruningComparison.Methods(Enum.GetValues<PruningMethod>(), 0.99);
        var result = PruningComparison.Run(net, methods, [0.2, 0.6]);
        // Redundancy runs twice (ranked by R², and with the 0.99 floor); every choice twice (plain, refit).
        Assert.Equal(2 * 6, result.Curves.Count);
        Assert.Equal(methods.SelectMany(m => new[] { (m.Label, false), (m.Label, true) }), result.Curves.Select(c => (c.Label, c.Refit)));
        Assert.All(result.Curves, c => Assert.Equal(2, c.Loss.Count));
        Assert.All(result.Curves, c => Assert.NotNull(c.Accuracy[0]));
        Assert.Equal(net.Evaluate().Loss, result.Baseline.Loss, 6);
        // Methods without a floor remove what was asked, to within one of the 9 neurons (per-layer rounding;
        // redundancy rounds the total up); the rows carry method, refit, fraction and loss.
        Assert.All(result.Curves.Where(c => c.MinR2 is not 0.99), c => Assert.All(c.Points, p => Assert.InRange(p.RemovedFraction - p.Fraction, -1.0 / 9, 1.0 / 9)));
        Assert.Equal(24, result.Rows.Count);
        Assert.Equal(result.Curve("taylor", true).Loss[1], result.Rows.Single(r => r.Method == PruningMethod.Taylor && r.Refit && r.Fraction == 0.6).Loss);
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.4)]
    public void Redundancy_ChooseOnlyAfterALargerFraction_EqualsAFreshPlan(double fraction)
    {
        var net = ImportanceFixtures.Classifier();
        var method = new RedundancyPruningMethod();
        var planned = method.Analyse(net);
        planned.ChooseOnly(net, 0.7);
        var fromPlan = planned.ChooseOnly(net, fraction);
        var fresh = method.Analyse(net).Choose(net.Clone(), fraction);
        Assert.Equal(fresh, fromPlan);
        Assert.True(fromPlan.Sum(r => r.Length) > 0);
    }

    [Fact]
    public void Refit_TwinNeuron_RemovedWithoutChangingTheOutputWhileMeansDoChangeIt()
    {
        var net = ImportanceFixtures.Classifier();
        // Neuron 4 of layer 0 becomes an exact copy of neuron 0: the refit folds it into its twin.
        var first = net.Model.HiddenLayers[0];
        first.Weight.Span.Slice(0, 6).CopyTo(first.Weight.Span.Slice(4 * 6, 6));
        first.Bias!.Span[4] = first.Bias.Span[0];
        var means = Interrogate.Analysis.Importance.CalibrationStatistics.Measure(net).Select(s => s.Mean).ToList();
        var refit = new Refit(net, means);
        int[][] removed = [[4], []];
        double before = net.Evaluate().Loss;
        Assert.Equal(before, refit.Remove(removed, Compensation.LeastSquaresRefit).Evaluate().Loss, 4);
        Assert.True(Math.Abs(refit.Remove(removed, Compensation.MeanIntoBias).Evaluate().Loss - before) > 1e-3);
    }

    [Fact]
    public void ChoiceAndRefit_SameMethodTwice_ChoiceIsExactlyZeroAndTheSentenceSaysSo()
    {
        var net = ImportanceFixtures.Classifier();
        var result = PruningComparison.Run(net, [PruningMethods.Get(PruningMethod.Magnitude), PruningMethods.Get(PruningMethod.Taylor)], [0.4]);
        var same = ChoiceAndRefit.Measure(result, "magnitude", "magnitude", 0);
        Assert.Equal(new Difference(0, 0, 0), same.ChoiceWithoutRefit);
        Assert.Contains("makes no detectable difference", same.Describe(""));
        var taylor = ChoiceAndRefit.Measure(result, "magnitude", "taylor", 0);
        double plain = result.Curve("taylor", false).Accuracy[0]!.Value - result.Curve("magnitude", false).Accuracy[0]!.Value;
        Assert.Equal(plain, taylor.ChoiceWithoutRefit.Mean, 9);
        Assert.InRange(taylor.ChoiceWithoutRefit.Mean, taylor.ChoiceWithoutRefit.Low, taylor.ChoiceWithoutRefit.High);
    }
}
