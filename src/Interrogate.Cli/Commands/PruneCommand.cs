using System.CommandLine;
using Interrogate.Analysis.Pruning;
using Interrogate.Cli.Output;
using Spectre.Console;
using Interrogate.Subjects;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate prune`: remove MLP neurons (or single weights) by a method, optionally fine-tune, save a smaller model.</summary>
internal static class PruneCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var method = new Option<string>("--method") { Description = $"How neurons are ranked: {string.Join(", ", PruningMethods.Names)}", DefaultValueFactory = _ => "magnitude" };
        var target = new Option<double?>("--target") { Description = "Fraction to remove, in (0, 1): of every MLP layer's neurons, or of the weights with --unstructured" };
        var budget = new Option<double?>("--loss-budget") { Description = "Remove as much as possible while the loss on the calibration data rises by at most this many nats (reported on the evaluation data, which the search never sees)" };
        var unstructured = new Option<bool>("--unstructured") { Description = "Zero single weights (magnitude or wanda) instead of removing neurons" };
        var finetune = new Option<int>("--finetune") { Description = "Fine-tuning steps after pruning", DefaultValueFactory = _ => 0 };
        var distill = new Option<bool>("--distill") { Description = "Fine-tune towards the original's logits (KL at --temperature) mixed with the task loss" };
        var temperature = new Option<float>("--temperature") { Description = "Distillation temperature", DefaultValueFactory = _ => 2f };
        var distillWeight = new Option<float>("--distill-weight") { Description = "Weight of the distillation loss, in [0, 1]", DefaultValueFactory = _ => 0.5f };
        var lr = new Option<float>("--lr") { Description = "Fine-tuning peak learning rate", DefaultValueFactory = _ => 1e-3f };
        var rounds = new Option<int>("--rounds") { Description = "Prune-and-retrain rounds (iterative pruning, Han et al. 2015)", DefaultValueFactory = _ => 1 };
        var schedule = new Option<string>("--schedule")
        {
            Description = "rounds: --rounds prune-then-tune rounds (1 = one-shot); gradual: with --unstructured, raise the sparsity during fine-tuning " +
                "as s_f(1-(1-t/n)^3) (Zhu & Gupta 2017), recomputing the mask every --prune-every steps",
            DefaultValueFactory = _ => "rounds",
        };
        var ramp = new Option<double>("--ramp") { Description = "gradual: fraction of the --finetune steps over which the sparsity rises; the rest tune at the target", DefaultValueFactory = _ => 0.5 };
        var pruneEvery = new Option<int>("--prune-every") { Description = "gradual: fine-tuning steps between mask updates", DefaultValueFactory = _ => 100 };
        var allocation = new Option<string>("--allocation")
        {
            Description = $"Unstructured magnitude: how the removed fraction is spread over the weight matrices: {string.Join(", ", PruningChoices.Names<WeightAllocation>())} " +
                "(global: one |W| threshold; uniform: the same fraction of every matrix; lamp: one threshold over LAMP scores, Lee et al. 2021)",
            DefaultValueFactory = _ => "global",
        };
        var screen = PruneOptions.Screen();
        var screenFactor = PruneOptions.ScreenFactor();
        var data = PruneOptions.Data();
        var output = new Option<string>("--out") { Description = "Folder for the pruned model (same layout as --model)", Required = true };
        var perLayerWidths = new Option<bool>("--per-layer-widths")
        {
            Description = "Language models: save each layer at its own MLP width (smaller; only Interrogate loads it) instead of padding every layer " +
                "back to one width with dead units, which any Hugging Face loader accepts",
        };
        var units = UnitsOption.Create();
        var json = CommonOptions.Json();
        var command = new Command("prune", "Remove MLP neurons or weights, fine-tune, and measure what it cost")
        {
            model, method, target, budget, unstructured, finetune, distill, temperature, distillWeight, lr, rounds, schedule, ramp, pruneEvery, allocation, screen, screenFactor, units, output, perLayerWidths, json,
        };
        foreach (var option in data.All) command.Add(option);
        command.Add(PruneCompareCommand.Create());
        command.SetAction(parsed =>
        {
            var modelDir = parsed.GetValue(model)!;
            var outDir = parsed.GetValue(output)!;
            var request = new PruningRequest
            {
                Method = PruningMethods.Parse(parsed.GetValue(method)!),
                Target = parsed.GetValue(target),
                LossBudget = parsed.GetValue(budget),
                Unstructured = parsed.GetValue(unstructured),
                Rounds = parsed.GetValue(rounds),
                Schedule = PruningChoices.Parse<PruningSchedule>(parsed.GetValue(schedule)!, "--schedule", "schedule"),
                Ramp = parsed.GetValue(ramp),
                PruneEvery = parsed.GetValue(pruneEvery),
                Allocation = PruningChoices.Parse<WeightAllocation>(parsed.GetValue(allocation)!, "--allocation", "allocation"),
                Screen = PruneOptions.ReadScreen(parsed.GetValue(screen)!),
                ScreenFactor = parsed.GetValue(screenFactor),
                FineTune = new FineTuneOptions
                {
                    Steps = parsed.GetValue(finetune),
                    Distill = parsed.GetValue(distill),
                    Temperature = parsed.GetValue(temperature),
                    DistillWeight = parsed.GetValue(distillWeight),
                    LearningRate = parsed.GetValue(lr),
                },
            };
            request.Validate();
            if (PruneOptions.SameFolder(modelDir, outDir)) throw new InputException("--out: must differ from --model (the original is never overwritten)");
            if (UnitsOption.Parse(parsed.GetValue(units)) is { } dictionary) return PruneFeatures(dictionary, request, modelDir, outDir, data.Read(parsed), parsed.GetValue(json));
            using var opened = PruningData.Open(modelDir, data.Read(parsed));
            PruningRun.Check(opened.Network, request);
            var (pruned, report) = Terminal.WithProgress("pruning", progress => PruningRun.Run(opened.Network, request, progress));
            PruneOptions.SaveModel(pruned, opened.FilesToCopy, outDir, parsed.GetValue(perLayerWidths));
            var result = new PruneResult(report, PruneOptions.WeightsBytes(modelDir), PruneOptions.WeightsBytes(outDir), Path.GetFullPath(outDir));
            if (parsed.GetValue(json)) Terminal.WriteJson(result);
            else Print(result);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>--units sae:/transcoder:: the dictionary's features are pruned (any --method, a --target fraction) and the smaller dictionary saved to --out.</summary>
    private static int PruneFeatures(Features.SparseDictionary dictionary, PruningRequest request, string modelDir, string outDir, PruningDataOptions data, bool json)
    {
        if (request.Target is not double fraction || request.Unstructured || request.FineTune.Steps > 0 || request.Rounds > 1)
            throw new InputException("--units: features are pruned with --target F only (no --loss-budget, --unstructured, --finetune or --rounds)");
        using var opened = PruningData.Open(modelDir, data);
        if (opened.Network is not LanguageModelSubject text) throw new InputException("--units: features need a language model (an MLP classifier has no dictionary hooks)");
        Analysis.Redundancy.RedundancyDataLoader.RequireHooks(text.Model, dictionary);
        var (smaller, report) = Terminal.WithProgress("pruning features", progress =>
            FeaturePruning.Run(dictionary, text, request.Method, fraction, request.Screen, request.ScreenFactor, progress));
        Features.SaeLensFormat.Save(smaller, outDir, Path.GetFullPath(modelDir));
        if (json) Terminal.WriteJson(new { report, saved_to = Path.GetFullPath(outDir) });
        else
        {
            string how = report.Method == PruningMethod.Redundancy ? "folded away" : "removed, their means folded into b_dec";
            Terminal.Out.MarkupLine(Markup.Escape($"{report.Method.Name()}: {report.Removed} of {report.Latents} features {how} (chosen on {report.SearchedOn})"));
            Terminal.Out.MarkupLine(Markup.Escape($"loss on {report.ReportedOn}: {report.Original.Loss:F4} → {report.Pruned.Loss:F4} nats (reconstruction error kept)"));
            foreach (var layer in report.Screening ?? []) Terminal.Out.MarkupLine(Markup.Escape(PruneOptions.DescribeScreening(layer)));
            Terminal.Out.MarkupLine($"saved to [bold]{Markup.Escape(Path.GetFullPath(outDir))}[/]");
        }
        return ExitCodes.Ok;
    }

    private static void Print(PruneResult result)
    {
        var r = result.Report;
        var console = Terminal.Out;
        string what = r.Unstructured ? $"{r.WeightSparsity:P1} of MLP weights zeroed ({r.Allocation.Name()}, {r.Schedule.Name()})" : $"{r.Fraction:P1} of MLP neurons removed";
        console.MarkupLine(Markup.Escape($"{r.Method.Name()}: {what}; widths [{string.Join(", ", r.WidthsBefore)}] → [{string.Join(", ", r.WidthsAfter)}]"));
        bool accuracy = r.Original.Accuracy is not null;
        var table = new Table().AddColumns(accuracy ? ["", "loss (nats)", "accuracy"] : ["", "loss (nats)"]);
        void Row(string name, Subjects.SubjectEvaluation e) =>
            table.AddRow(accuracy ? [name, $"{e.Loss:F4}", $"{e.Accuracy:P2}"] : [name, $"{e.Loss:F4}"]);
        Row("original", r.Original);
        Row(r.Unstructured ? "original, pruned weights zeroed" : "original, removed neurons mean-ablated", r.OriginalWithRemovedAblated);
        Row("pruned, before tuning", r.Pruned);
        if (r.Tuned is { } tuned) Row($"pruned, after {r.FineTuneSteps} tuning steps{(r.Distilled ? " (distilled)" : "")}", tuned);
        console.Write(table);
        if (r.Matrices is { } matrices)
            console.MarkupLine(Markup.Escape("kept: " + string.Join("; ", matrices.Select(m => $"{m.Name} {m.Kept:N0}/{m.Weights:N0} ({m.KeptFraction:P1})")) +
                $"; all {matrices.Sum(m => m.Kept):N0}/{matrices.Sum(m => m.Weights):N0} ({(double)matrices.Sum(m => m.Kept) / matrices.Sum(m => m.Weights):P2}) of the weight matrices, biases not counted"));
        if (r.SearchedOn is { } searched)
            console.MarkupLine(Markup.Escape($"budget searched on {searched} (unpruned loss {r.SearchBaselineLoss:F4}); every loss above is on {r.ReportedOn}"));
        foreach (var p in r.BudgetSearch) console.MarkupLine(Markup.Escape($"  budget probe: {p.Fraction:P1} → Δloss {p.DeltaLoss:+0.0000;-0.0000} {(p.WithinBudget ? "within" : "over")}"));
        console.MarkupLine(Markup.Escape($"parameters {r.ParametersBefore:N0} → {r.ParametersAfter:N0} ({r.NonZeroParametersAfter:N0} non-zero); " +
            $"weights file {result.OriginalBytes:N0} → {result.PrunedBytes:N0} bytes; forward {r.ThroughputBefore:N0} → {r.ThroughputAfter:N0} {r.ThroughputUnit}"));
        foreach (var layer in r.Screening ?? []) console.MarkupLine(Markup.Escape(PruneOptions.DescribeScreening(layer)));
        console.MarkupLine($"saved to [bold]{Markup.Escape(result.OutDir)}[/]");
    }
}

/// <summary>What `prune --json` prints.</summary>
internal sealed record PruneResult(PruningReport Report, long OriginalBytes, long PrunedBytes, string OutDir);
