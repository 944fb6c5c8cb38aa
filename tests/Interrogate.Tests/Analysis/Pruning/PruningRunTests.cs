using Interrogate.Analysis.Pruning;
using Interrogate.Tests.Analysis.Importance;

namespace Interrogate.Tests.Analysis.Pruning;

public sealed class PruningRunTests
{
    [Fact]
    public void Run_Target_RemovesThatFractionOfEveryLayerAndReportsLosses()
    {
        var net = ImportanceFixtures.Classifier();
        var (pruned, report) = PruningRun.Run(net, new PruningRequest { Method = "ablation", Target = 0.4 });
        Assert.Equal([3, 2], pruned.Widths);   // round(0.4·5) = 2, round(0.4·4) = 2
        Assert.Equal([5, 4], net.Widths);
        Assert.Equal(net.Evaluate().Loss, report.Original.Loss, 6);
        Assert.Equal(report.OriginalWithRemovedAblated.Loss, report.Pruned.Loss, 4);
        Assert.Null(report.Tuned);
    }

    [Fact]
    public void Run_LossBudget_KeepsTheMeasuredDeltaWithinTheBudgetAndProbesMore()
    {
        var net = ImportanceFixtures.Gpt2();
        const double budget = 0.05;
        var (pruned, report) = PruningRun.Run(net, new PruningRequest { Method = "magnitude", LossBudget = budget });
        Assert.True(report.Pruned.Loss - report.Original.Loss <= budget + 1e-9);
        Assert.NotEmpty(report.BudgetSearch);
        // Every probe beyond the chosen fraction was measured over budget.
        Assert.All(report.BudgetSearch.Where(p => p.Fraction > report.Fraction), p => Assert.False(p.WithinBudget));
        Assert.Equal(net.Widths.Select(w => w - PruningMethods.CountFor(w, report.Fraction)), pruned.Widths);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.2)]
    public void Validate_TargetOutsideOpenInterval_NamesTheFlag(double target)
    {
        var e = Assert.Throws<InputException>(() => new PruningRequest { Method = "magnitude", Target = target }.Validate());
        Assert.Contains("--target", e.Message);
    }

    [Fact]
    public void Validate_UnknownMethod_ListsKnownOnes()
    {
        var e = Assert.Throws<InputException>(() => new PruningRequest { Method = "random", Target = 0.5 }.Validate());
        Assert.Contains("magnitude, wanda, ablation, taylor", e.Message);
    }

    [Fact]
    public void Compare_AllMethods_GivesOneCurvePerMethodOnTheSameBaseline()
    {
        var net = ImportanceFixtures.Classifier();
        var result = PruningComparison.Run(net, PruningMethods.All, [0.2, 0.6]);
        Assert.Equal(PruningMethods.Names, result.Curves.Select(c => c.Method));
        Assert.All(result.Curves, c => Assert.Equal(2, c.Loss.Count));
        Assert.All(result.Curves, c => Assert.NotNull(c.Accuracy[0]));
        Assert.Equal(net.Evaluate().Loss, result.Baseline.Loss, 6);
    }
}
