using System.CommandLine;
using Interrogate.Cli.Output;
using Interrogate.Demo;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>
/// `interrogate demo`: the main job. On the shipped GPT and on MNIST it traces one prediction, finds and
/// verifies the capitalization neurons, finds redundant neurons and folds them, compares magnitude pruning
/// with redundancy merging, fine-tunes, and writes one self-contained report.html that opens with the answers.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Language model folder (default: the shipped models/sotu-small)" };
        var output = new Option<string>("--out") { Description = "Folder for report.html, result.json and the pruned models", DefaultValueFactory = _ => "out/demo" };
        var corpus = new Option<string>("--corpus") { Description = "Text the analyses run on: sotu, moby-dick or a file/folder", DefaultValueFactory = _ => "sotu" };
        var quick = new Option<bool>("--quick") { Description = "Small token and step counts (about a minute): for tests and a first look" };
        var seed = CommonOptions.Seed();
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var serve = new Option<bool>("--serve") { Description = "When done, open the results in the viewer (`interrogate serve`) until Ctrl-C" };
        var command = new Command("demo", "The whole story on the shipped GPT and MNIST, written to one report.html (≈ 15 min on 2 cores)")
        {
            model, output, corpus, quick, seed, dataDir, json, serve,
        };
        command.SetAction((parsed, cancel) =>
        {
            var options = new DemoOptions
            {
                ModelDirectory = parsed.GetValue(model) ?? ModelOptions.DefaultModelDirectory(),
                OutputDirectory = parsed.GetValue(output)!,
                Corpus = parsed.GetValue(corpus)!,
                Quick = parsed.GetValue(quick),
                Seed = parsed.GetValue(seed),
                CacheDirectory = parsed.GetValue(dataDir),
            };
            var result = DemoRun.Run(options, line => Terminal.Status.MarkupLine($"[grey]{Markup.Escape(line)}[/]"), cancel);
            if (parsed.GetValue(json)) Terminal.WriteJson(result.Summary());
            else
            {
                foreach (var s in result.Sections)
                    Terminal.Out.MarkupLine($"[bold]{Markup.Escape(s.Question)}[/]\n  {Markup.Escape(s.Answer)}");
                Terminal.Out.MarkupLine($"report: [bold]{Markup.Escape(result.ReportPath)}[/] ({result.Seconds:F0} s)");
            }
            if (!parsed.GetValue(serve)) return Task.FromResult(ExitCodes.Ok);
            return ServeCommand.Serve(new Server.ServeOptions { ModelDirectory = options.ModelDirectory, Results = [options.OutputDirectory] }, cancel);
        });
        return command;
    }
}
