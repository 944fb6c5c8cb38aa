using System.CommandLine;
using Interrogate.Analysis.Importance;
using Interrogate.Analysis.Pruning;
using Interrogate.Cli.Output;
using Spectre.Console;
using Interrogate.Subjects;

namespace Interrogate.Cli.Commands;

/// <summary>
/// `interrogate importance`: every importance signal side by side — per MLP layer the most and least
/// important neurons by magnitude, Wanda, Taylor and mean ablation with dead/constant counts, and with
/// --heads every attention head's magnitude, Taylor and mean-ablation Δloss.
/// </summary>
internal static class ImportanceCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model folder: GPT-2/Llama, or an `interrogate train mnist` MLP (default: the shipped model)" };
        var corpus = new Option<string>("--corpus") { Description = "Corpus for language models: sotu, moby-dick or a folder", DefaultValueFactory = _ => "sotu" };
        var tokens = new Option<int>("--tokens") { Description = "Calibration tokens (train split) for language models; calibration images for an MNIST MLP", DefaultValueFactory = _ => 4096 };
        var heads = new Option<bool>("--heads") { Description = "Also score every attention head (language models only)" };
        var screen = new Option<string>("--screen") { Description = "none, or atp: also list each neuron's attribution-patching estimate of its mean-ablation Δloss (signal atp; language models) and measure the exact mean ablation only on AtP's shortlist (the --screen-factor·top highest and lowest estimates per layer, 2·top by default); with --heads also each head's AtP and the AtP* QK-fixed estimates for its query and keys", DefaultValueFactory = _ => "none" };
        var screenFactor = new Option<double>("--screen-factor") { Description = "With --screen atp: the shortlist's size at each end of AtP's ranking as a multiple of --top (at least 1); the exact ablation of the shortlist is nearly all of the run's work on large models", DefaultValueFactory = _ => ImportanceSurvey.ShortlistFactor };
        var top = new Option<int>("--top") { Description = "Neurons listed at each end of every ranking", DefaultValueFactory = _ => 10 };
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var command = new Command("importance", "Rank MLP neurons (and attention heads) by magnitude, Wanda, Taylor and mean-ablation Δloss")
        {
            model, corpus, tokens, heads, top, screen, screenFactor, dataDir, json,
        };
        command.SetAction(parsed =>
        {
            int n = parsed.GetValue(tokens), k = parsed.GetValue(top);
            CommonOptions.RequirePositive(n, "--tokens");
            CommonOptions.RequirePositive(k, "--top");
            ImportanceSurvey.CheckShortlistFactor(parsed.GetValue(screenFactor));
            bool withAtp = parsed.GetValue(screen) switch
            {
                "none" => false,
                "atp" => true,
                var other => throw new InputException($"--screen: '{other}' is not one of none, atp"),
            };
            var dir = parsed.GetValue(model) ?? ModelOptions.DefaultModelDirectory();
            var options = new PruningDataOptions
            {
                Corpus = parsed.GetValue(corpus)!, Tokens = 2, CalibrationTokens = Math.Max(2, n), CalibrationImages = n, CacheDirectory = parsed.GetValue(dataDir),
            };
            using var opened = PruningData.Open(dir, options);
            var network = opened.Network;
            bool withHeads = parsed.GetValue(heads);
            if (withHeads && network is not LanguageModelSubject) throw new InputException("--heads: the model has no attention heads (an MLP classifier)");
            var result = Terminal.WithProgress("importance", progress => ImportanceSurvey.Measure(network, withHeads, k, Path.GetFullPath(dir), progress, withAtp, parsed.GetValue(screenFactor)));
            if (parsed.GetValue(json)) Terminal.WriteJson(result);
            else Print(result);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(ImportanceResult r)
    {
        var console = Terminal.Out;
        console.MarkupLine(Markup.Escape($"{r.Model}: importance measured on {r.CalibrationRows:N0} calibration {r.Unit}; higher = more important"));
        foreach (var layer in r.Layers)
        {
            console.MarkupLine(Markup.Escape($"{layer.Name}: {layer.Width} neurons, {layer.Dead} never active, {layer.Constant} constant"
                + (layer.AtpRankCorrelation is { } rho ? FormattableString.Invariant($"; mean ablation measured exactly on AtP's {layer.MeanAblationMeasured} shortlisted neurons (Spearman of AtP against it {rho:F2})") : "")));
            var table = new Table().AddColumns("signal", "top (neuron score)", "bottom (neuron score)");
            foreach (var s in layer.Signals) table.AddRow(Markup.Escape(s.Signal), Markup.Escape(List(s.Top)), Markup.Escape(List(s.Bottom)));
            console.Write(table);
        }
        if (r.Heads is { } heads)
        {
            bool atp = heads.Any(h => h.Atp is not null);
            var table = new Table().AddColumns("layer", "head", "magnitude", "taylor", "mean-ablation Δloss (nats)");
            if (atp) table.AddColumns("AtP (output)", "AtP* query (QK fix)", "AtP* keys (QK fix)");
            foreach (var h in heads)
            {
                string[] row = [$"{h.Layer}", $"{h.Head}", $"{h.Magnitude:G4}", $"{h.Taylor:G4}", $"{h.MeanAblation:+0.0000;-0.0000;0}"];
                if (atp) row = [.. row, Signed(h.Atp), Signed(h.AtpQuery), Signed(h.AtpKey)];
                table.AddRow(row);
            }
            console.Write(table);
        }
    }

    private static string Signed(float? v) => v is float x ? $"{x:+0.0000;-0.0000;0}" : "-";

    private static string List(IEnumerable<ScoredUnit> units) => string.Join(" ", units.Select(u => $"{u.Neuron} ({u.Score:G3})"));
}
