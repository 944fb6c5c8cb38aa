using System.Globalization;
using Interrogate.Analysis.Importance;
using Interrogate.Analysis.Pruning;
using Interrogate.Data;
using Interrogate.Models.Mlp;
using Interrogate.Reports;
using Interrogate.Training;
using Interrogate.Subjects;

namespace Interrogate.Demo;

/// <summary>
/// Redundancy merging against magnitude pruning (and the other importance signals) on the same evaluation
/// tokens, then one pruned-and-tuned model; the same comparison on an MNIST LeNet-300-100.
/// </summary>
internal static class PruningStages
{
    private static readonly PruningMethod[] Methods = [PruningMethod.Magnitude, PruningMethod.Wanda, PruningMethod.Taylor, PruningMethod.Redundancy];
    private static readonly string Magnitude = PruningMethod.Magnitude.Name();
    private static readonly string Ranked = new RedundancyPruningMethod().Label;
    private static readonly string Thresholded = new RedundancyPruningMethod(new Analysis.Redundancy.RedundancyOptions().MinR2).Label;
    private const double TunedFraction = 0.3;

    public static IEnumerable<DemoSection> Run(DemoOptions options, Action<string> say, Action<string, double> progress, CancellationToken cancel)
    {
        var data = new PruningDataOptions
        {
            Corpus = options.Corpus, Tokens = options.EvaluationTokens, CalibrationTokens = options.Quick ? 4096 : 16_384,
            Seed = options.Seed, CacheDirectory = options.CacheDirectory,
        };
        using (var opened = PruningData.Open(options.ModelDirectory, data))
        {
            yield return Timed(say, () => Compare(opened.Network, options, progress, cancel, "pruning", "nats/token"));
            yield return Timed(say, () => Tune(opened, options, progress, cancel));
        }
        yield return Timed(say, () => Mnist(options, say, progress, cancel));
    }

    private static DemoSection Timed(Action<string> say, Func<DemoSection> stage)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var section = stage();
        say($"{section.Id}: {section.Answer}");
        return section with { Seconds = clock.Elapsed.TotalSeconds };
    }

    private static PruningComparisonResult Comparison(Subject network, DemoOptions options, Action<string, double> progress, CancellationToken cancel, string stage) =>
        PruningComparison.Run(network, PruningComparison.Methods(Methods, new Analysis.Redundancy.RedundancyOptions().MinR2), options.Fractions,
            (what, f) => progress($"{stage}: {what}", f), cancel);

    private static DemoSection Compare(Subject network, DemoOptions options, Action<string, double> progress, CancellationToken cancel,
        string id, string unit)
    {
        var result = Comparison(network, options, progress, cancel, "compare");
        int at = Nearest(options.Fractions, TunedFraction);
        var effects = ChoiceAndRefit.Measure(result, Magnitude, Ranked, at);
        var best = result.Curves.Where(c => !c.MayStopShort).OrderBy(c => c.Points[at].Evaluation.Loss).First();
        var thresholded = result.Curve(Thresholded, false);
        var answer = effects.Describe(unit) + string.Create(CultureInfo.InvariantCulture,
            $" Lowest loss at {options.Fractions[at]:P0}: {best.Label}{(best.Refit ? " with refit" : "")} ({best.Points[at].Evaluation.Loss:F3}; unpruned {result.Baseline.Loss:F3}). " +
            $"With its R² ≥ 0.99 floor, redundancy removes {thresholded.Points[^1].RemovedFraction:P1} of the neurons at most.");
        return new DemoSection(id, "Does removing redundant neurons cost less than removing small weights, and is that the choice or the refit?", answer,
            new { result.Baseline, result.ChosenOn, result.ReportedOn, result.Rows, choice_and_refit = effects }, report =>
        {
            report.Charts(SvgLineChart.Render("Loss vs fraction of MLP neurons removed (no tuning; dashed names: least-squares refit)", "fraction removed", $"loss ({unit})",
                [.. result.Curves.Select(c => new LineSeries(Name(c), c.Fractions, c.Loss))]));
            report.Table(["method", "compensation", .. options.Fractions.Select(f => f.ToString("P0", CultureInfo.InvariantCulture)), "analysis s"],
                result.Curves.Select(c => (IReadOnlyList<string>)[c.Label, c.Refit ? "least-squares refit" : "means into bias",
                    .. c.Points.Select(p => p.Evaluation.Loss.ToString("F3", CultureInfo.InvariantCulture) + (c.MayStopShort ? $" ({p.RemovedFraction:P1} removed)" : "")),
                    c.AnalysisSeconds.ToString("F1", CultureInfo.InvariantCulture)]));
            report.Paragraph($"Every method chooses its neurons on {result.ChosenOn}; each choice is removed twice (means into the next bias; the least-squares refit redundancy uses, fitted on {result.RefitRows:N0} calibration rows) and measured on {result.ReportedOn}. For the R²-floored method, the bracket is the fraction it actually removed. Intervals: paired bootstrap over evaluation windows. Unpruned: {result.Baseline.Loss:F4}.", note: true);
        });
    }

    private static DemoSection Tune(OpenedNetwork opened, DemoOptions options, Action<string, double> progress, CancellationToken cancel)
    {
        var request = new PruningRequest
        {
            Method = PruningMethod.Redundancy, Target = TunedFraction,
            FineTune = new FineTuneOptions { Steps = options.FineTuneSteps, Distill = true, LearningRate = 1e-3f },
        };
        var (pruned, r) = PruningRun.Run(opened.Network, request, (stage, f) => progress($"prune + tune: {stage}", f), cancel);
        var outDir = Path.Combine(options.OutputDirectory, "pruned-gpt");
        pruned.Save(outDir);
        foreach (var file in opened.FilesToCopy) File.Copy(file, Path.Combine(outDir, Path.GetFileName(file)), overwrite: true);
        var tuned = r.Tuned ?? r.Pruned;
        var answer = string.Create(CultureInfo.InvariantCulture,
            $"Folding {r.Fraction:P0} of MLP neurons by redundancy takes the loss from {r.Original.Loss:F3} to {r.Pruned.Loss:F3} nats; " +
            $"{r.FineTuneSteps} distilled fine-tuning steps bring it to {tuned.Loss:F3}. The model shrinks from {r.ParametersBefore:N0} to {r.ParametersAfter:N0} parameters " +
            $"and runs {r.ThroughputAfter / r.ThroughputBefore:F2}× as fast. The original with the same neurons mean-ablated scores {r.OriginalWithRemovedAblated.Loss:F3}; " +
            $"the tuned model no longer has them, so nothing of it depends on them.");
        return new DemoSection("finetune", "Prune the redundant set and tune the rest: what does it cost?", answer, r, report =>
        {
            report.Table(["model", "loss (nats/token)", "parameters", $"{r.ThroughputUnit}/s"],
            [
                ["original", F(r.Original.Loss), N(r.ParametersBefore), N((long)r.ThroughputBefore)],
                ["original, removed neurons mean-ablated", F(r.OriginalWithRemovedAblated.Loss), N(r.ParametersBefore), "—"],
                ["pruned, before tuning", F(r.Pruned.Loss), N(r.ParametersAfter), N((long)r.ThroughputAfter)],
                [$"pruned, after {r.FineTuneSteps} distilled steps", F(tuned.Loss), N(r.ParametersAfter), N((long)r.ThroughputAfter)],
            ]);
            report.Charts(SvgBarChart.Render("Loss through pruning and tuning", "nats/token",
                [new Bar("original", r.Original.Loss), new Bar("pruned", r.Pruned.Loss), new Bar("tuned", tuned.Loss)]));
            report.Paragraph($"Widths per layer: [{string.Join(", ", r.WidthsBefore)}] → [{string.Join(", ", r.WidthsAfter)}]; saved to {outDir} in the same layout (config key n_inner_per_layer).", note: true);
        });
    }

    private static DemoSection Mnist(DemoOptions options, Action<string> say, Action<string, double> progress, CancellationToken cancel)
    {
        say("training LeNet-300-100 on MNIST");
        var (train, test) = Data.Mnist.Load(options.CacheDirectory);
        var model = new MlpClassifier(new MlpConfig { HiddenSizes = [300, 100] }, options.Seed);
        ClassifierTraining.Train(model, train, new ClassifierTrainingOptions { Epochs = options.MnistEpochs, Seed = options.Seed },
            p => progress("MNIST training", (double)p.Step / p.TotalSteps));
        var dir = Path.Combine(options.OutputDirectory, "mnist-lenet");
        MlpStore.Save(model, dir);
        using var opened = PruningData.Open(dir, new PruningDataOptions { CacheDirectory = options.CacheDirectory, Seed = options.Seed });
        var network = opened.Network;
        var result = Comparison(network, options, progress, cancel, "MNIST compare");
        // Gradual magnitude pruning to 8% of the weights, tuned for as many steps as the dense run took
        // at its peak rate (the README's recipe, chosen on held-out training digits).
        int denseSteps = options.MnistEpochs * ((train.Count + 63) / 64);
        var han = PruningRun.Run(network, new PruningRequest
        {
            Method = PruningMethod.Magnitude, Unstructured = true, Target = 0.92, Schedule = options.Quick ? PruningSchedule.Rounds : PruningSchedule.Gradual,
            FineTune = new FineTuneOptions { Steps = options.Quick ? 50 : denseSteps, LearningRate = 1e-3f },
        }, (stage, f) => progress($"MNIST weight pruning: {stage}", f), cancel).Report;
        int at = Nearest(options.Fractions, TunedFraction);
        var effects = ChoiceAndRefit.Measure(result, Magnitude, Ranked, at);
        var answer = string.Create(CultureInfo.InvariantCulture,
            $"LeNet-300-100 reaches {result.Baseline.Accuracy:P2} on {result.ReportedOn["evaluation: ".Length..]}. ") + effects.Describe("") + string.Create(CultureInfo.InvariantCulture,
            $" Keeping {1 - (han.WeightSparsity ?? 0):P1} of the hidden-layer weights (gradual magnitude pruning, {han.FineTuneSteps} tuning steps): {(han.Tuned ?? han.Pruned).Accuracy:P2}.");
        return new DemoSection("mnist", "The same questions on an MNIST classifier", answer,
            new { comparison = new { result.Baseline, result.ChosenOn, result.ReportedOn, result.Rows }, choice_and_refit = effects, weight_pruning = han }, report =>
        {
            report.Charts(
                SvgLineChart.Render("MNIST: test accuracy vs fraction of hidden neurons removed", "fraction removed", "accuracy",
                    [.. result.Curves.Select(c => new LineSeries(Name(c), c.Fractions, [.. c.Accuracy.Select(a => a ?? double.NaN)]))]),
                SvgBarChart.Render("Unstructured magnitude pruning (Han et al. 2015 style)", "test accuracy",
                    [new Bar("dense", han.Original.Accuracy ?? 0), new Bar("pruned", han.Pruned.Accuracy ?? 0), new Bar("tuned", (han.Tuned ?? han.Pruned).Accuracy ?? 0)], yMin: 0.8));
            report.Table(["method", "compensation", .. options.Fractions.Select(f => f.ToString("P0", CultureInfo.InvariantCulture))],
                result.Curves.Select(c => (IReadOnlyList<string>)[c.Label, c.Refit ? "least-squares refit" : "means into bias",
                    .. c.Accuracy.Select(v => v?.ToString("P2", CultureInfo.InvariantCulture) ?? "—")]));
            report.Paragraph(string.Create(CultureInfo.InvariantCulture,
                $"Weight pruning: {han.WeightSparsity:P1} of hidden-layer weights zeroed ({han.NonZeroParametersAfter:N0} of {han.ParametersBefore:N0} parameters non-zero), {han.FineTuneSteps} fine-tuning steps ({(options.Quick ? "one-shot" : "gradual schedule")})."), note: true);
        });
    }

    private static string Name(PruningCurve c) => c.Refit ? c.Label + " + refit" : c.Label;

    private static int Nearest(IReadOnlyList<double> values, double x) =>
        Enumerable.Range(0, values.Count).OrderBy(i => Math.Abs(values[i] - x)).First();

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
