using System.CommandLine;
using Interrogate.Analysis.Redundancy;
using Interrogate.Cli.Output;
using Spectre.Console;
using Interrogate.Subjects;

namespace Interrogate.Cli.Commands;

/// <summary>
/// `interrogate redundancy`: which MLP neurons are (held-out) affine functions of others, what folding
/// them away costs, and how single and joint ablation of each group differ. Reports only: the model
/// folder is never written.
/// </summary>
internal static class RedundancyCommand
{
    private const string DefaultModel = "models/sotu-small";

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = $"GPT-2/Llama folder, or an MLP folder from `train mnist` (default: $INTERROGATE_MODEL, else {DefaultModel})" };
        var corpus = new Option<string>("--corpus") { Description = "Language models: sotu, moby-dick, or a text file / folder", DefaultValueFactory = _ => "sotu" };
        var tokens = new Option<int>("--tokens") { Description = "Language models: tokens recorded (80% fit, 20% held out)", DefaultValueFactory = _ => 100_000 };
        var evalTokens = new Option<int>("--eval-tokens") { Description = "Language models: held-out tokens every loss is measured on", DefaultValueFactory = _ => 4096 };
        var minR2 = new Option<double>("--min-r2") { Description = "Held-out R² a neuron's explanation needs, in (0, 1]", DefaultValueFactory = _ => 0.99 };
        var maxSet = new Option<int>("--max-set") { Description = "Most neurons one neuron may be expressed in", DefaultValueFactory = _ => 4 };
        var ablations = new Option<int>("--ablations") { Description = "Merges whose groups are also mean-ablated one by one and jointly", DefaultValueFactory = _ => 20 };
        var lossBudget = new Option<double?>("--loss-budget") { Description = "Skip merges that would raise the evaluation loss by more than this (nats) over the start" };
        var accuracyDrop = new Option<double?>("--max-accuracy-drop") { Description = "Classifiers: skip merges that would lower evaluation accuracy by more than this many percentage points" };
        var rounds = new Option<int>("--max-rounds") { Description = "Greedy rounds; each refits on the neurons left", DefaultValueFactory = _ => 8 };
        var units = UnitsOption.Create();
        var outDir = new Option<string?>("--out") { Description = "With sae:/transcoder: units, write the smaller dictionary left after folding here (SAELens layout)" };
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var command = new Command("redundancy", "Prove which MLP neurons are redundant (affine in others on held-out data) and what merging them costs")
        {
            model, corpus, tokens, evalTokens, minR2, maxSet, ablations, lossBudget, accuracyDrop, rounds, units, outDir, dataDir, json,
        };
        command.SetAction(parsed =>
        {
            var options = new RedundancyOptions
            {
                MinR2 = parsed.GetValue(minR2),
                MaxSet = parsed.GetValue(maxSet),
                MaxAblationGroups = parsed.GetValue(ablations),
                LossBudget = parsed.GetValue(lossBudget),
                MaxAccuracyDrop = parsed.GetValue(accuracyDrop) / 100,
                MaxRounds = parsed.GetValue(rounds),
            };
            options.Validate();
            CommonOptions.RequirePositive(parsed.GetValue(tokens), "--tokens");
            CommonOptions.RequirePositive(parsed.GetValue(evalTokens), "--eval-tokens");
            var dir = parsed.GetValue(model) ?? ModelOptions.DefaultModelDirectory();
            var dictionary = UnitsOption.Parse(parsed.GetValue(units));
            var save = parsed.GetValue(outDir);
            if (save is not null && dictionary is null) throw new InputException("--out: only with --units sae:DIR or transcoder:DIR (neuron folds are reported, not written)");
            var data = RedundancyDataLoader.Open(dir, parsed.GetValue(corpus)!, parsed.GetValue(tokens), parsed.GetValue(evalTokens), parsed.GetValue(dataDir));
            if (dictionary is not null) data = RedundancyDataLoader.OverFeatures(data, dictionary);
            var confirmBefore = data.Confirm?.Evaluate();
            var result = Terminal.WithProgress("redundancy", report => new RedundancyPlanner(data.Subject, options).Run(report));
            var confirm = data.Confirm is null ? null : new RedundancyConfirmation(data.ConfirmSet!, confirmBefore!, data.Confirm.Evaluate());
            var report = RedundancyReport.From(result, Path.GetFullPath(dir), data.Kind, options, confirm) with { DecidedOn = data.DecidedOn };
            if (save is not null)
            {
                var smaller = ((FeatureSubject)data.Subject).Smaller([.. result.Removed.Values.SelectMany(r => r)]);
                Interrogate.Features.SaeLensFormat.Save(smaller, save, Path.GetFullPath(dir));
                report = report with { SavedTo = Path.GetFullPath(save) };
            }
            if (parsed.GetValue(json)) Terminal.WriteJson(report);
            else Print(report);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(RedundancyReport r)
    {
        var console = Terminal.Out;
        console.MarkupLine($"[bold]{Markup.Escape(r.Model)}[/] ({r.Kind}): {r.FitRows:N0} fit rows, {r.HeldOutRows:N0} held-out rows, min R² {r.MinR2}, sets of up to {r.MaxSet}; losses on {Markup.Escape(r.DecidedOn)}");
        var layers = new Table().AddColumns("layer", "hook", "neurons", "merged", "removed|kept R²", "CKA", "search s");
        foreach (var l in r.Layers)
            layers.AddRow($"{l.Layer}", Markup.Escape(l.Hook), $"{l.Width}", $"{l.Removed}", l.RemovedGivenKeptR2 is double q ? $"{q:F4}" : "-",
                l.RemovedKeptCka is double c ? $"{c:F3}" : "-", $"{l.SearchSeconds:F2}");
        console.Write(layers);
        if (r.Merges.Count > 0)
        {
            var merges = new Table().Title($"merges (first {Math.Min(20, r.Merges.Count)} of {r.Merges.Count}, by held-out R²)")
                .AddColumns("layer", "removed", "kept", "R²", "bound", "Δloss", "ablate each", "ablate jointly");
            foreach (var m in r.Merges.Take(20))
                merges.AddRow($"{m.Layer}", string.Join(",", m.Removed), m.Kept.Length == 0 ? "(constant)" : string.Join(",", m.Kept), $"{m.R2:F5}", $"{m.Bound:G3}",
                    m.DeltaLoss is double d ? $"{d:+0.00000;-0.00000}" : "-",
                    m.SingleAblation is { } s ? string.Join(" ", s.Select(v => $"{v:+0.0000;-0.0000}")) : "-",
                    m.JointAblation is double j ? $"{j:+0.0000;-0.0000}" : "-");
            console.Write(merges);
        }
        var accuracy = r.AccuracyBefore is double a ? $", accuracy {a:P2} → {r.AccuracyAfter:P2}" : "";
        if (r.Confirmation is { } confirmed)
            console.MarkupLine($"confirmed on {Markup.Escape(confirmed.Set)} (no merge decision saw it): loss {confirmed.LossBefore:F4} → {confirmed.LossAfter:F4}" +
                (confirmed.AccuracyBefore is double ca ? $", accuracy {ca:P2} → {confirmed.AccuracyAfter:P2}" : ""));
        console.MarkupLine($"{r.Merges.Count} merges remove {r.Layers.Sum(l => l.Removed)} of {r.Layers.Sum(l => l.Width)} neurons; loss {r.LossBefore:F4} → {r.LossAfter:F4} nats{accuracy}{(r.Refitted ? $" (refolded on all kept neurons; one by one: {r.LossAfterGreedy:F4})" : "")}; {r.Seconds:F1} s ({r.RecordSeconds:F1} s recording). {(r.SavedTo is { } saved ? $"The smaller dictionary was written to {Markup.Escape(saved)}." : "Nothing was written.")}");
    }
}

/// <summary>What `redundancy --json` prints (snake_case): settings, losses, per-layer counts and every merge.</summary>
internal sealed record RedundancyReport(string Model, string Kind, double MinR2, int MaxSet, long FitRows, long HeldOutRows,
    double LossBefore, double LossAfter, double? AccuracyBefore, double? AccuracyAfter, double LossAfterGreedy, bool Refitted, int Removed, int Neurons,
    double Seconds, double RecordSeconds, RedundancyConfirmation? Confirmation, IReadOnlyList<RedundancyLayerReport> Layers,
    IReadOnlyList<RedundancyMergeReport> Merges)
{
    /// <summary>The data every loss, budget and accuracy limit above is measured on (never the confirmation set).</summary>
    public string DecidedOn { get; init; } = "";

    /// <summary>Where the smaller dictionary was written (--units sae:/transcoder: with --out); null otherwise.</summary>
    public string? SavedTo { get; init; }

    public static RedundancyReport From(RedundancyResult r, string model, string kind, RedundancyOptions options, RedundancyConfirmation? confirmation) => new(
        model, kind, options.MinR2, options.MaxSet, r.FitRows, r.HeldOutRows, r.Before.Loss, r.After.Loss, r.Before.Accuracy, r.After.Accuracy, r.AfterGreedy.Loss, r.Refitted,
        r.Layers.Sum(l => l.Removed), r.Layers.Sum(l => l.Width), r.TotalSeconds, r.RecordSeconds, confirmation,
        [.. r.Layers.Select(l => new RedundancyLayerReport(l.Layer, l.Hook, l.Width, l.Removed, r.Merges.Count(m => m.Layer == l.Layer),
            l.RemovedGivenKeptR2, l.RemovedKeptCka, l.SearchSeconds))],
        [.. r.Merges.Select(m => new RedundancyMergeReport(m.Layer, m.Kind, m.Removed, m.Kept, m.Coefficients, m.Offsets, m.R2, m.Bound, m.Cka,
            m.Round, m.DeltaLoss, m.CumulativeDeltaLoss, m.Accuracy, m.SingleAblation, m.JointAblation))]);
}

/// <summary>Loss (and accuracy) before and after merging on data that no merge decision or budget saw.</summary>
internal sealed record RedundancyConfirmation(string Set, double LossBefore, double LossAfter, double? AccuracyBefore, double? AccuracyAfter)
{
    public RedundancyConfirmation(string set, SubjectEvaluation before, SubjectEvaluation after) : this(set, before.Loss, after.Loss, before.Accuracy, after.Accuracy) { }
}

internal sealed record RedundancyLayerReport(int Layer, string Hook, int Width, int Removed, int Merges, double? RemovedGivenKeptR2,
    double? RemovedKeptCka, double SearchSeconds);

/// <summary>single_ablation lists removed then kept neurons' Δloss, in that order.</summary>
internal sealed record RedundancyMergeReport(int Layer, string Kind, int[] Removed, int[] Kept, double[] Coefficients, double[] Offsets,
    double R2, double Bound, double Cka, int Round, double? DeltaLoss, double? CumulativeDeltaLoss, double? Accuracy,
    double[]? SingleAblation, double? JointAblation);
