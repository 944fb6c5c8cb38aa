using System.Globalization;

namespace Interrogate.Analysis.Pruning;

/// <summary>
/// At one fraction, the effect of <i>choosing</i> different neurons (a challenger method against a baseline
/// method, under the same compensation) separated from the effect of <i>refitting</i> (least-squares refit
/// against means into the bias, for the same choice). Every difference is challenger − baseline or refit −
/// plain, paired over the evaluation items, with a 95% bootstrap interval. Loss for language models
/// (lower is better), accuracy for classifiers (higher is better).
/// </summary>
public sealed record ChoiceAndRefit(double Fraction, bool Accuracy, string Baseline, string Challenger, double ChallengerRemovedFraction,
    Difference ChoiceWithoutRefit, Difference ChoiceWithRefit, Difference RefitOfBaseline, Difference RefitOfChallenger)
{
    /// <summary>Measures the four differences at fraction index <paramref name="index"/> of a comparison.</summary>
    public static ChoiceAndRefit Measure(PruningComparisonResult result, string baseline, string challenger, int index)
    {
        bool accuracy = result.Baseline.Accuracy is not null;
        IReadOnlyList<double> Items(string label, bool refit)
        {
            var e = result.Curve(label, refit).Points[index].Evaluation;
            return (accuracy ? e.ItemCorrect : e.ItemLosses) ?? throw new InvalidOperationException($"{label}: the evaluation kept no per-item values");
        }
        var (bPlain, bRefit, cPlain, cRefit) = (Items(baseline, false), Items(baseline, true), Items(challenger, false), Items(challenger, true));
        return new ChoiceAndRefit(result.Curve(baseline, false).Points[index].Fraction, accuracy, baseline, challenger,
            result.Curve(challenger, false).Points[index].RemovedFraction,
            PairedDifference.Of(bPlain, cPlain), PairedDifference.Of(bRefit, cRefit), PairedDifference.Of(bPlain, bRefit), PairedDifference.Of(cPlain, cRefit));
    }

    /// <summary>Sentences built from the numbers: what choosing changes, what refitting changes, and which is larger.</summary>
    public string Describe(string unit)
    {
        string metric = Accuracy ? "accuracy" : "loss";
        string D(Difference d) => Accuracy
            ? string.Create(CultureInfo.InvariantCulture, $"{d.Mean * 100:+0.00;-0.00;0.00} points [{d.Low * 100:+0.00;-0.00;0.00}, {d.High * 100:+0.00;-0.00;0.00}]")
            : string.Create(CultureInfo.InvariantCulture, $"{d.Mean:+0.0000;-0.0000;0.0000} [{d.Low:+0.0000;-0.0000;0.0000}, {d.High:+0.0000;-0.0000;0.0000}] {unit}");
        string Better(Difference d) => !d.ExcludesZero ? "no difference this data can detect" : (d.Mean < 0) != Accuracy ? "better" : "worse";
        var s = string.Create(CultureInfo.InvariantCulture,
            $"At {Fraction:P0} removed{(Math.Abs(ChallengerRemovedFraction - Fraction) > 0.005 ? $" ({Challenger} removed {ChallengerRemovedFraction:P1})" : "")}, choosing by {Challenger} instead of {Baseline} changes the {metric} by {D(ChoiceWithoutRefit)} " +
            $"when removed neurons' means go into the bias ({Better(ChoiceWithoutRefit)}), and by {D(ChoiceWithRefit)} when both refit the kept neurons by least squares ({Better(ChoiceWithRefit)}). " +
            $"Refitting changes {Baseline}'s {metric} by {D(RefitOfBaseline)} and {Challenger}'s by {D(RefitOfChallenger)}.");
        double choice = Math.Abs(ChoiceWithRefit.Mean), refit = Math.Abs(RefitOfBaseline.Mean);
        string M(double v) => Accuracy ? (v * 100).ToString("0.00", CultureInfo.InvariantCulture) + " points" : v.ToString("0.0000", CultureInfo.InvariantCulture) + $" {unit}";
        s += !ChoiceWithoutRefit.ExcludesZero && !ChoiceWithRefit.ExcludesZero
            ? " The choice of neurons makes no detectable difference here."
            : choice < refit
                ? $" With the same refit, what is left of the choice ({M(choice)}) is smaller than what refitting gives {Baseline} ({M(refit)}): most of the gap between the plain curves is refitting, not choosing."
                : $" With the same refit, the choice still matters more ({M(choice)}) than refitting does for {Baseline} ({M(refit)}).";
        return s;
    }
}
