using System.CommandLine;
using Interrogate.Cli.Output;
using Interrogate.Training.LanguageModel;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate train gpt`: trains a small GPT-2-architecture model on a corpus, resumably.</summary>
internal static class TrainGptCommand
{
    public static Command Create()
    {
        var corpus = new Option<string>("--corpus") { Description = "sotu, moby-dick, or a text file / folder of *.txt and *.md files", Required = true };
        var preset = new Option<string>("--preset") { Description = "tiny (tests) or small (≈30 min on 2 cores)", DefaultValueFactory = _ => "small" };
        var output = new Option<string?>("--out") { Description = "Model folder (default models/CORPUS-PRESET)" };
        var steps = new Option<int?>("--steps") { Description = "Total optimizer steps (default: the preset's)" };
        var stopAfter = new Option<int?>("--stop-after") { Description = "Stop with a checkpoint at this step, keeping the schedule of --steps; continue later with --resume" };
        var evalEvery = new Option<int?>("--eval-every") { Description = "Validate (and checkpoint) every N steps (default: the preset's)" };
        var patience = new Option<int?>("--patience") { Description = "Stop after N validations without improvement (0: never)" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its checkpoint" };
        var seed = CommonOptions.Seed();
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var command = new Command("gpt", "Train a GPT-2-architecture language model (tokenizer included) on a text corpus")
        {
            corpus, preset, output, steps, stopAfter, evalEvery, patience, resume, seed, dataDir, json,
        };
        command.SetAction((parsed, cancel) =>
        {
            var chosen = GptPreset.Get(parsed.GetValue(preset)!);
            var corpusName = parsed.GetValue(corpus)!;
            var options = chosen.Training with { Seed = parsed.GetValue(seed), StopAfter = parsed.GetValue(stopAfter) };
            if (parsed.GetValue(steps) is int n) options = options with { Steps = n, WarmupSteps = Math.Min(options.WarmupSteps, Math.Max(1, n / 10)) };
            if (parsed.GetValue(evalEvery) is int e) options = options with { EvalEvery = e, CheckpointEvery = e };
            if (parsed.GetValue(patience) is int p) options = options with { Patience = p };
            var outDir = OutputGuard.Claim(parsed.GetValue(output) ?? Path.Combine("models", $"{Path.GetFileName(corpusName.TrimEnd('/', '\\'))}-{chosen.Name}"), "--out", IO.OutputKind.Folder);
            var request = new GptTrainingRequest(corpusName, chosen, outDir)
            {
                Options = options,
                Resume = parsed.GetValue(resume),
                CacheDirectory = parsed.GetValue(dataDir),
                CommandLine = "interrogate " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Select(Quote)),
            };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var lastPrint = TimeSpan.Zero;
            // Plain lines on stderr rather than a live bar: they survive logs and ssh, and stdout stays clean for --json.
            var report = GptTrainingRun.Run(request, stage => Console.Error.WriteLine($"{stage}..."), p =>
            {
                if (p.ValidationLoss is null && p.Step != p.TotalSteps && clock.Elapsed - lastPrint < TimeSpan.FromSeconds(2)) return;
                lastPrint = clock.Elapsed;
                Console.Error.WriteLine($"step {p.Step}/{p.TotalSteps}  loss {p.Loss:F3}{(p.ValidationLoss is double v ? $"  val {v:F3}" : "")}  lr {p.LearningRate:G3}  {p.TokensPerSecond:N0} tok/s");
            }, cancel);
            foreach (var warning in report.Warnings) Console.Error.WriteLine($"warning: {warning}");
            if (parsed.GetValue(json)) Terminal.WriteJson(report);
            else Print(report);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./=:,".Contains(c)) ? arg : $"'{arg.Replace("'", "'\\''")}'";

    private static void Print(GptTrainingReport r)
    {
        var table = new Table().AddColumns("validation", "loss (nats/token)", "perplexity");
        table.AddRow("this model", $"{r.ValidationLoss:F4}", $"{Math.Exp(r.ValidationLoss):F1}");
        var b = r.Baselines;
        table.AddRow($"Kneser–Ney trigram (D {b.TrigramDiscount:0.00})", $"{b.KneserNeyTrigram:F4}", $"{Math.Exp(b.KneserNeyTrigram):F1}");
        table.AddRow($"Kneser–Ney bigram (D {b.BigramDiscount:0.00})", $"{b.KneserNeyBigram:F4}", $"{Math.Exp(b.KneserNeyBigram):F1}");
        table.AddRow("bigram baseline (add-0.1)", $"{r.BigramLoss:F4}", $"{Math.Exp(r.BigramLoss):F1}");
        table.AddRow("unigram baseline", $"{r.UnigramLoss:F4}", $"{Math.Exp(r.UnigramLoss):F1}");
        Terminal.Out.Write(table);
        Terminal.Out.MarkupLine(Markup.Escape($"reported on {r.ReportedOn}; early stopping watched {r.StoppedOn} (loss {r.StoppingLoss:F4}, best {r.BestStoppingLoss:F4})"));
        Terminal.Out.MarkupLine(Markup.Escape($"{r.MarginOverKneserNey:+0.000;-0.000} nats/token below the stronger baseline ({b.Strongest.Name}); discounts chosen on {b.TuningTokens:N0} validation tokens outside these windows"));
        var state = r.Finished ? (r.StoppedEarly ? "stopped early" : "finished") : "paused (continue with --resume)";
        Terminal.Out.MarkupLine($"{r.Steps}/{r.TotalSteps} steps, {state}; {r.TokensPerSecond:N0} tokens/s, {r.Parameters:N0} parameters; saved to [bold]{Markup.Escape(r.ModelDirectory)}[/]");
    }
}
