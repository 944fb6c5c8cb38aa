using Interrogate.Nn;
using System.CommandLine;
using Interrogate.Analysis.Ablation;
using Interrogate.Analysis.Patching;
using Interrogate.Analysis.Verdicts;
using Interrogate.Cli.Output;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate patch`: per-neuron activation patching between a clean and a corrupted prompt of equal token length.</summary>
internal static class PatchCommand
{
    /// <summary>One patched set as printed and serialised; neurons as "LAYER.INDEX" of their hook.</summary>
    private sealed record Row(string[] Neurons, string Hook, double Score, double RecoveredFraction);

    /// <summary>The --json object.</summary>
    private sealed record Output(string Clean, string Corrupted, int Tokens, string Target, string? Distractor, string Metric, string Direction,
        double CleanScore, double CorruptedScore, int SetsPatched, IReadOnlyList<Row> Sets);

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model folder (default: $INTERROGATE_MODEL, else models/sotu-small)" };
        var clean = new Option<string>("--clean") { Description = "The clean prompt", Required = true };
        var corrupted = new Option<string>("--corrupted") { Description = "The corrupted prompt; must have as many tokens as --clean", Required = true };
        var target = new Option<string?>("--target") { Description = "Token whose prediction at the last position is scored (default: the clean run's top prediction)" };
        var distractor = new Option<string?>("--distractor") { Description = "Score logit(target) − logit(distractor) instead of log p(target)" };
        var neuron = new Option<string[]>("--neuron") { Description = "Patch this neuron, as LAYER.INDEX of the --hook point in that block (repeatable); each alone and all as one set", AllowMultipleArgumentsPerToken = false };
        var hook = new Option<string>("--hook") { Description = "Hook points; * matches one name part", DefaultValueFactory = _ => "blocks.*.mlp.hook_post" };
        var top = new Option<int>("--top") { Description = "Neurons listed after a sweep (largest recovered fraction)", DefaultValueFactory = _ => 10 };
        var direction = new Option<string>("--direction") { Description = "clean-into-corrupted (denoising) or corrupted-into-clean (noising)", DefaultValueFactory = _ => "clean-into-corrupted" };
        var units = UnitsOption.Create();
        var json = CommonOptions.Json();
        var command = new Command("patch", "Activation patching of single neurons: which neurons carry the difference between a clean and a corrupted prompt")
        {
            model, clean, corrupted, target, distractor, neuron, hook, units, top, direction, json,
        };
        command.SetAction(parsed =>
        {
            CommonOptions.RequirePositive(parsed.GetValue(top), "--top");
            var dir = parsed.GetValue(direction) switch
            {
                "clean-into-corrupted" => PatchDirection.CleanIntoCorrupted,
                "corrupted-into-clean" => PatchDirection.CorruptedIntoClean,
                var d => throw new InputException($"--direction: '{d}' is not one of clean-into-corrupted, corrupted-into-clean"),
            };
            var folder = parsed.GetValue(model) ?? ModelOptions.DefaultModelDirectory();
            var tokenizer = ModelOptions.LoadTokenizer(folder);
            var lm = ModelOptions.LoadModel(folder);
            string cleanText = parsed.GetValue(clean)!, corruptedText = parsed.GetValue(corrupted)!;
            int[] cleanIds = tokenizer.Encode(cleanText), corruptedIds = tokenizer.Encode(corruptedText);
            if (cleanIds.Length != corruptedIds.Length)
                throw new InputException($"--clean has {cleanIds.Length} tokens but --corrupted has {corruptedIds.Length}; reword one so they match");
            if (cleanIds.Length == 0) throw new InputException("--clean: the prompt is empty");
            int targetId = parsed.GetValue(target) is { } t ? CommonOptions.ParseToken(tokenizer, t, "--target") : CommonOptions.TopPrediction(lm, cleanIds, -1);
            int? distractorId = parsed.GetValue(distractor) is { } d2 ? CommonOptions.ParseToken(tokenizer, d2, "--distractor") : null;
            var hooks = ConceptNeuronStudy.ResolveHooks(lm, UnitsOption.Resolve(lm, parsed.GetValue(units), parsed.GetValue(hook)!));
            var chosen = (parsed.GetValue(neuron) ?? []).Select(s => CommonOptions.ParseNeuron(lm, s, hooks)).ToList();
            var sets = chosen.Count > 0 ? Chosen(chosen) : Sweep(lm, hooks);
            var metric = new PatchingMetric(-1, targetId, distractorId);
            var result = NeuronPatching.Patch(lm, cleanIds, corruptedIds, metric, sets, dir);
            var rows = result.Sets.Select(ToRow);
            if (chosen.Count == 0) rows = rows.OrderByDescending(r => double.IsNaN(r.RecoveredFraction) ? double.NegativeInfinity : r.RecoveredFraction).Take(parsed.GetValue(top));
            var output = new Output(cleanText, corruptedText, cleanIds.Length, tokenizer.TokenText(targetId), distractorId is int di ? tokenizer.TokenText(di) : null,
                result.Metric, parsed.GetValue(direction)!, result.CleanScore, result.CorruptedScore, sets.Count, [.. rows]);
            if (parsed.GetValue(json)) Terminal.WriteJson(output);
            else Print(output);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Each chosen neuron alone, then all of them together (when more than one).</summary>
    private static List<IReadOnlyList<UnitRef>> Chosen(List<UnitRef> neurons)
    {
        var sets = neurons.Select(n => (IReadOnlyList<UnitRef>)[n]).ToList();
        if (neurons.Count > 1) sets.Add(neurons);
        return sets;
    }

    /// <summary>One set per neuron of every hook.</summary>
    private static List<IReadOnlyList<UnitRef>> Sweep(Models.Transformer.CausalLanguageModel lm, IReadOnlyList<string> hooks)
    {
        var shapes = lm.DescribeHookPoints(1, 1);
        return [.. hooks.SelectMany(h => Enumerable.Range(0, shapes.First(s => s.Name == h).Shape[^1])
            .Select(n => (IReadOnlyList<UnitRef>)[new UnitRef(h, n)]))];
    }

    private static Row ToRow(PatchedSet s)
    {
        var hooks = s.Neurons.Select(n => n.Hook).Distinct().ToList();
        return new Row([.. s.Neurons.Select(n => $"{Layer(n.Hook)}.{n.Index}")], hooks.Count == 1 ? hooks[0] : "several", s.Score, s.RecoveredFraction);
    }

    /// <summary>The block number of "blocks.L.…".</summary>
    private static string Layer(string hook) => hook.Split('.') is [_, var layer, ..] ? layer : hook;

    private static string Show(string token) => Markup.Escape(token.Replace("\n", "\\n", StringComparison.Ordinal));

    private static void Print(Output o)
    {
        var console = Terminal.Out;
        console.MarkupLine($"{o.Tokens} tokens; target [bold]{Show(o.Target)}[/]{(o.Distractor is { } d ? $" vs distractor [bold]{Show(d)}[/]" : "")}; metric {Markup.Escape(o.Metric)}");
        console.MarkupLine($"clean {o.CleanScore:F4}, corrupted {o.CorruptedScore:F4}, gap {o.CleanScore - o.CorruptedScore:F4}");
        console.MarkupLine($"{o.Direction}: {o.SetsPatched} set(s) patched");
        var table = new Table().AddColumns("neurons", "hook", "patched score", o.Direction == "clean-into-corrupted" ? "recovered" : "broken");
        foreach (var r in o.Sets)
        {
            string names = r.Neurons.Length <= 4 ? string.Join(" ", r.Neurons) : $"all {r.Neurons.Length}: {string.Join(" ", r.Neurons.Take(3))} …";
            table.AddRow(names, Markup.Escape(r.Hook), $"{r.Score:F4}", double.IsNaN(r.RecoveredFraction) ? "n/a (no gap)" : $"{r.RecoveredFraction:P1}");
        }
        console.Write(table);
    }
}
