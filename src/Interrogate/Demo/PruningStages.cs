using System.Globalization;
using Interrogate.Analysis.Importance;
using Interrogate.Analysis.Pruning;
using Interrogate.Data;
using Interrogate.Models.Mlp;
using Interrogate.Reports;
using Interrogate.Training;

namespace Interrogate.Demo;

/// <summary>
/// Redundancy merging against magnitude pruning (and the other importance signals) on the same evaluation
/// tokens, then one pruned-and-tuned model; the same comparison on an MNIST LeNet-300-100.
/// </summary>
internal static class PruningStages
{
    private static readonly string[] Methods = ["magnitude", "wanda", "taylor", "redundancy"];
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

    private static DemoSection Compare(PrunableNetwork network, DemoOptions options, Action<string, double> progress, CancellationToken cancel,
        string id, string unit)
    {
        var result = PruningComparison.Run(network, [.. Methods.Select(PruningMethods.Get)], options.Fractions,
            (stage, f) => progress($"compare: {stage}", f), cancel);
        int at = Nearest(options.Fractions, TunedFraction);
        var magnitude = result.Curves.Single(c => c.Method == "magnitude");
        var redundancy = result.Curves.Single(c => c.Method == "redundancy");
        var best = result.Curves.OrderBy(c => c.Loss[at]).First();
        double fraction = options.Fractions[at];
        bool wins = redundancy.Loss[at] < magnitude.Loss[at];
        var answer = string.Create(CultureInfo.InvariantCulture,
            $"With {fraction:P0} of MLP neurons removed and no tuning, redundancy merging gives loss {redundancy.Loss[at]:F3} and magnitude pruning {magnitude.Loss[at]:F3} " +
            $"(unpruned {result.Baseline.Loss:F3} {unit}): redundancy {(wins ? "loses less" : "does NOT lose less")} than magnitude here" +
            $"{(best.Method is "magnitude" or "redundancy" ? "." : $"; the best method at this fraction is {best.Method} ({best.Loss[at]:F3}).")}");
        return new DemoSection(id, "Does removing redundant neurons cost less than removing small weights?", answer, result, report =>
        {
            report.Charts(SvgLineChart.Render("Loss vs fraction of MLP neurons removed (no tuning)", "fraction removed", $"loss ({unit})",
                [.. result.Curves.Select(c => new LineSeries(c.Method, c.Fractions, c.Loss))]));
            report.Table(["method", .. options.Fractions.Select(f => f.ToString("P0", CultureInfo.InvariantCulture)), "analysis s"],
                result.Curves.Select(c => (IReadOnlyList<string>)[c.Method, .. c.Loss.Select(v => v.ToString("F3", CultureInfo.InvariantCulture)),
                    c.AnalysisSeconds.ToString("F1", CultureInfo.InvariantCulture)]));
            report.Paragraph($"Every method is measured on the same held-out evaluation data; its choices are made on separate calibration data. Unpruned: {result.Baseline.Loss:F4}.", note: true);
        });
    }

    private static DemoSection Tune(OpenedNetwork opened, DemoOptions options, Action<string, double> progress, CancellationToken cancel)
    {
        var request = new PruningRequest
        {
            Method = "redundancy", Target = TunedFraction,
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
        var result = PruningComparison.Run(network, [.. Methods.Select(PruningMethods.Get)], options.Fractions,
            (stage, f) => progress($"MNIST compare: {stage}", f), cancel);
        // Gradual magnitude pruning to 8% of the weights, tuned for as many steps as the dense run took
        // at its peak rate (the README's recipe, chosen on held-out training digits).
        int denseSteps = options.MnistEpochs * ((train.Count + 63) / 64);
        var han = PruningRun.Run(network, new PruningRequest
        {
            Method = "magnitude", Unstructured = true, Target = 0.92, Schedule = options.Quick ? "rounds" : "gradual",
            FineTune = new FineTuneOptions { Steps = options.Quick ? 50 : denseSteps, LearningRate = 1e-3f },
        }, (stage, f) => progress($"MNIST weight pruning: {stage}", f), cancel).Report;
        int at = Nearest(options.Fractions, TunedFraction);
        var magnitude = result.Curves.Single(c => c.Method == "magnitude");
        var redundancy = result.Curves.Single(c => c.Method == "redundancy");
        var answer = string.Create(CultureInfo.InvariantCulture,
            $"LeNet-300-100 reaches {result.Baseline.Accuracy:P2} on the 2,000 held-out digits. Removing {options.Fractions[at]:P0} of its hidden neurons without tuning: " +
            $"redundancy merging {redundancy.Accuracy[at]:P2}, magnitude {magnitude.Accuracy[at]:P2}. Keeping {1 - (han.WeightSparsity ?? 0):P1} of the hidden-layer weights " +
            $"(gradual magnitude pruning, {han.FineTuneSteps} tuning steps): {(han.Tuned ?? han.Pruned).Accuracy:P2}.");
        return new DemoSection("mnist", "The same questions on an MNIST classifier", answer, new { comparison = result, weight_pruning = han }, report =>
        {
            report.Charts(
                SvgLineChart.Render("MNIST: test accuracy vs fraction of hidden neurons removed", "fraction removed", "accuracy",
                    [.. result.Curves.Select(c => new LineSeries(c.Method, c.Fractions, [.. c.Accuracy.Select(a => a ?? double.NaN)]))]),
                SvgBarChart.Render("Unstructured magnitude pruning (Han et al. 2015 style)", "test accuracy",
                    [new Bar("dense", han.Original.Accuracy ?? 0), new Bar("pruned", han.Pruned.Accuracy ?? 0), new Bar("tuned", (han.Tuned ?? han.Pruned).Accuracy ?? 0)], yMin: 0.8));
            report.Table(["method", .. options.Fractions.Select(f => f.ToString("P0", CultureInfo.InvariantCulture))],
                result.Curves.Select(c => (IReadOnlyList<string>)[c.Method, .. c.Accuracy.Select(v => v?.ToString("P2", CultureInfo.InvariantCulture) ?? "—")]));
            report.Paragraph(string.Create(CultureInfo.InvariantCulture,
                $"Weight pruning: {han.WeightSparsity:P1} of hidden-layer weights zeroed ({han.NonZeroParametersAfter:N0} of {han.ParametersBefore:N0} parameters non-zero), {han.FineTuneSteps} fine-tuning steps ({(options.Quick ? "one-shot" : "gradual schedule")})."), note: true);
        });
    }

    private static int Nearest(IReadOnlyList<double> values, double x) =>
        Enumerable.Range(0, values.Count).OrderBy(i => Math.Abs(values[i] - x)).First();

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
