using Interrogate.Features;
using Interrogate.Nn;
using System.CommandLine;
using System.Globalization;
using Interrogate.Analysis.Ablation;
using Interrogate.Analysis.Concepts;
using Interrogate.Analysis.Verdicts;
using Interrogate.Cli.Output;
using Interrogate.Data.Corpora;
using Interrogate.Reports;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate neurons`: which neurons are responsible for a concept — encoding (AUC, sparse probes) and causal tests (ablation) against random neurons.</summary>
internal static class NeuronsCommand
{
    /// <summary>The study's defaults, shared with the demo so both judge the same data the same way.</summary>
    private static readonly ConceptStudyOptions Defaults = new() { Hooks = [] };

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model folder (default: $INTERROGATE_MODEL, else models/sotu-small)" };
        var corpus = new Option<string>("--corpus") { Description = "sotu, moby-dick, or a text file / folder; its validation then test split is used", DefaultValueFactory = _ => "sotu" };
        var concept = new Option<string>("--concept") { Description = $"Built-in concept: {string.Join(", ", Concept.BuiltInNames)}", DefaultValueFactory = _ => "capitalized" };
        var regex = new Option<string?>("--concept-regex") { Description = "Concept = tokens whose text matches this regular expression (overrides --concept)" };
        var labelsFile = new Option<string?>("--labels") { Description = "Concept labels as JSONL {\"document\":N,\"token\":N,\"label\":true} over the held-out documents (overrides --concept)" };
        var hook = new Option<string>("--hook") { Description = "Hook points to study; * matches one name part", DefaultValueFactory = _ => "blocks.*.mlp.hook_post" };
        var top = new Option<int>("--top") { Description = "Candidates per role (largest |AUC−0.5| as detector and as predictor) to ablate and judge", DefaultValueFactory = _ => Defaults.Top };
        var tokens = new Option<int>("--tokens") { Description = "Held-out tokens to record and rank", DefaultValueFactory = _ => 200_000 };
        var ablation = new Option<string>("--ablation") { Description = "zero, mean or resample", DefaultValueFactory = _ => "mean" };
        var evalWindows = new Option<int?>("--eval-windows") { Description = "Context-length windows (after the ranked tokens) the ablations are measured on (default: enough for 2,000 concept predictions per role)" };
        var random = new Option<int>("--random") { Description = "Random neurons per studied layer for the null (same ablation, same windows)", DefaultValueFactory = _ => Defaults.RandomNeurons };
        var randomSets = new Option<int>("--random-sets") { Description = "Random sets (same size, same layers) each role's top set is judged against", DefaultValueFactory = _ => Defaults.RandomSets };
        var neuron = new Option<string[]>("--neuron") { Description = "Also judge this neuron in both roles, as LAYER.INDEX or L2.N317 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var report = new Option<string?>("--report") { Description = "Also write a self-contained HTML report (cards with histograms, contexts, ablation bars, explanations, verdicts)" };
        var noExplain = new Option<bool>("--no-explain") { Description = "Skip explaining each candidate (explain → simulate → score)" };
        var units = UnitsOption.Create();
        var store = new Option<string?>("--store") { Description = "Keep the activation store in this folder (resumable); default: a temporary folder" };
        var outDir = new Option<string?>("--out") { Description = "Folder for the ablation results: written after the ablations; a folder holding this study's (merged shards) is reused, so the run only judges" };
        var shard = ShardOptions.Shard();
        var screen = new Option<string>("--screen") { Description = "How candidates are chosen: auc (encoding, |AUC−0.5|), atp (estimated ablation effect by attribution patching, AtP* GradDrop), or both; verdicts always come from exact ablations", DefaultValueFactory = _ => "auc" };
        var nullMode = new Option<string>("--null") { Description = "The random units' and sets' null: exact (every one ablated on every window), estimated (a calibration subsample ablated exactly, attribution patching for the rest, its error widening the test), or auto (exact when it fits a compute budget of 1e14 FLOP: small models)", DefaultValueFactory = _ => "auto" };
        var nullUnits = new Option<int>("--null-units") { Description = "Estimated null: random units per layer (and random sets per role) ablated exactly to calibrate the estimates", DefaultValueFactory = _ => Defaults.NullUnits };
        var seed = CommonOptions.Seed();
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var command = new Command("neurons", "Which neurons are responsible for a concept: AUC ranking, sparse probes, ablation vs random neurons, verdicts")
        {
            model, corpus, concept, regex, labelsFile, hook, units, top, tokens, ablation, evalWindows, random, randomSets, neuron, store, report, noExplain, outDir, shard, screen, nullMode, nullUnits, seed, dataDir, json,
        };
        command.SetAction(parsed =>
        {
            CommonOptions.RequirePositive(parsed.GetValue(top), "--top");
            CommonOptions.RequirePositive(parsed.GetValue(tokens), "--tokens");
            if (parsed.GetValue(evalWindows) is int ew) CommonOptions.RequirePositive(ew, "--eval-windows");
            CommonOptions.RequirePositive(parsed.GetValue(randomSets), "--random-sets");
            if (parsed.GetValue(random) < 2) throw new InputException($"--random: need at least 2 random neurons, got {parsed.GetValue(random)}");
            var method = ParseMethod(parsed.GetValue(ablation)!);
            var screenChoice = ParseScreen(parsed.GetValue(screen)!);
            var nullChoice = ParseNull(parsed.GetValue(nullMode)!);
            if (parsed.GetValue(nullUnits) < 4) throw new InputException($"--null-units: the estimated null needs at least 4 exact units to calibrate, got {parsed.GetValue(nullUnits)}");
            var shardSpec = ShardOptions.Parse(parsed.GetValue(shard));
            if (shardSpec is not null && parsed.GetValue(outDir) is null) throw new InputException("--shard needs --out DIR: the folder the shard's ablations are written to");
            if (parsed.GetValue(report) is { } reportPath && Path.GetDirectoryName(Path.GetFullPath(reportPath)) is { } reportDir && !Directory.Exists(reportDir))
                throw new InputException($"--report {reportPath}: folder {reportDir} does not exist");
            var chosen = parsed.GetValue(labelsFile) is { } lf ? new LabelsFile(lf)
                : parsed.GetValue(regex) is { } re ? Concept.FromRegex(re) : Concept.BuiltIn(parsed.GetValue(concept)!);
            var dir = parsed.GetValue(model) ?? ModelOptions.DefaultModelDirectory();
            var tokenizer = ModelOptions.LoadTokenizer(dir);
            var lm = ModelOptions.LoadModel(dir);
            var features = parsed.GetValue(units) is { } unitSpec ? UnitsOption.Attach(lm, unitSpec) : null;
            var hooks = ConceptNeuronStudy.ResolveHooks(lm, features?.Name ?? parsed.GetValue(hook)!);
            var include = (parsed.GetValue(neuron) ?? []).Select(ParseNeuron).ToList();
            ConceptNeuronStudy.CheckNeurons(lm, hooks, include);
            int window = lm.Dimensions.ContextLength;
            var (ids, source) = HeldOutTokens.Read(parsed.GetValue(corpus)!, parsed.GetValue(dataDir), dir, tokenizer,
                ConceptStudyOptions.TokensToRead(parsed.GetValue(tokens), window, parsed.GetValue(evalWindows)), Console.Error.WriteLine);
            var labels = ConceptLabels.Label(ids, tokenizer.EosId, tokenizer.TokenText, chosen);
            var options = new ConceptStudyOptions
            {
                Hooks = hooks, Top = parsed.GetValue(top), RankTokens = parsed.GetValue(tokens), EvaluationWindows = parsed.GetValue(evalWindows),
                Method = method, RandomNeurons = parsed.GetValue(random), RandomSets = parsed.GetValue(randomSets), Seed = parsed.GetValue(seed), StoreDirectory = parsed.GetValue(store), Include = include,
                Facts = parsed.GetValue(noExplain) ? null : new Analysis.Explanation.TokenFacts(tokenizer),
                AblationDirectory = parsed.GetValue(outDir), Shard = shardSpec, Screen = screenChoice,
                Null = nullChoice, NullUnits = parsed.GetValue(nullUnits), NullSets = parsed.GetValue(nullUnits),
                Dictionaries = features is null ? null : [DictionaryProvenance.Describe(features.Dictionary)],
            };
            if (options.Shard is not null) return RunShard(lm, dir, ids, labels, source, options, parsed.GetValue(json));
            var result = ConceptNeuronStudy.Run(lm, Path.GetFullPath(dir), ids, labels, chosen.Name, source, tokenizer.TokenText, options, Progress());
            if (parsed.GetValue(report) is { } path)
            {
                NeuronReport.Save(ConceptStudyReport.From(result, Path.GetFullPath(dir), tokenizer), path);
                Console.Error.WriteLine($"report written to {path}");
            }
            if (parsed.GetValue(json)) Terminal.WriteJson(result);
            else Print(result);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>One shard of the ablations (mostly the random units' null): written to --out for `interrogate merge`.</summary>
    private static int RunShard(Models.Transformer.CausalLanguageModel lm, string dir, int[] ids, bool[] labels, string source, ConceptStudyOptions options, bool json)
    {
        var r = ConceptNeuronStudy.RunShard(lm, Path.GetFullPath(dir), ids, labels, source, options, Progress());
        if (json) Terminal.WriteJson(r);
        else Terminal.Out.MarkupLine(Markup.Escape(Invariant(
            $"shard {r.Shard}: ablation jobs {r.JobStart}..{r.JobEnd - 1} of {r.Jobs} written to {r.Directory} in {r.Seconds:F0} s; merge the shards with `interrogate merge`, then run the same command with --out MERGED (no --shard) to judge")));
        return ExitCodes.Ok;
    }

    private static CandidateScreen ParseScreen(string text) => text switch
    {
        "auc" => CandidateScreen.Auc,
        "atp" => CandidateScreen.Atp,
        "both" => CandidateScreen.Both,
        _ => throw new InputException($"--screen: '{text}' is not one of auc, atp, both"),
    };

    private static NullMode ParseNull(string text) => text switch
    {
        "auto" => NullMode.Auto,
        "exact" => NullMode.Exact,
        "estimated" => NullMode.Estimated,
        _ => throw new InputException($"--null: '{text}' is not one of auto, exact, estimated"),
    };

    private static AblationMethod ParseMethod(string text) => text switch
    {
        "zero" => AblationMethod.Zero,
        "mean" => AblationMethod.Mean,
        "resample" => AblationMethod.Resample,
        _ => throw new InputException($"--ablation: '{text}' is not one of zero, mean, resample"),
    };

    private static UnitRef ParseNeuron(string spec)
    {
        if (UnitRef.TryParse(spec) is { } unit) return unit;
        var parts = spec.Split('.');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int layer)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            throw new InputException($"--neuron: expected LAYER.INDEX such as 2.317, got '{spec}'");
        return UnitRef.Mlp(layer, index);
    }

    private static Action<string, double> Progress()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string last = "";
        var lastPrint = TimeSpan.Zero;
        return (stage, fraction) =>
        {
            if (stage == last && clock.Elapsed - lastPrint < TimeSpan.FromSeconds(5) && fraction < 1) return;
            last = stage;
            lastPrint = clock.Elapsed;
            Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {stage} {fraction:P0}");
        };
    }

    private static void Print(ConceptStudyResult r)
    {
        var console = Terminal.Out;
        console.MarkupLine(Markup.Escape(Invariant($"concept {r.Concept}: {r.ConceptRate:P1} of {r.RankedTokens:N0} ranked tokens ({r.Source}); ") +
            Invariant($"{r.AblationMethod}-ablation on {r.EvaluationWindows} windows of {r.WindowLength} ({r.DetectorPredictions:N0} predictions from / {r.PredictorPredictions:N0} of concept tokens, {r.ControlPredictions:N0} control") +
            Invariant($"{(r.EvaluationOverlapsRanking ? ", overlapping the ranked tokens" : "")}); clean loss {r.CleanDetectorLoss:F3} / {r.CleanPredictorLoss:F3} / {r.CleanControlLoss:F3} nats")));
        var table = new Table().AddColumns("role", "unit", "AUC held-out (ranking)", "Δloss concept (95% CI)", "Δloss control", "specificity (95% CI)", "p / Holm", "verdict");
        foreach (var c in r.Candidates)
            table.AddRow(c.Role.Name() + (c.ChosenBy == "auc" ? "" : $" ({c.ChosenBy})"), c.Unit, Invariant($"{c.Auc:F3} ({c.RankingAuc:F3})"), Interval(c.Effect.Concept), Invariant($"{c.Effect.Control.Value:+0.0000;-0.0000}"),
                Interval(c.Effect.Specificity), Invariant($"{c.PValue:0.####} / {c.HolmPValue:0.####}"), c.Verdict.Name());
        console.Write(table);
        foreach (var s in r.SetAblations)
            console.MarkupLine(Markup.Escape(Invariant($"{s.Role.Name()} top {s.Units.Count} together ({string.Join(" ", s.Units)}): Δloss concept {Interval(s.Effect.Concept)}, specificity {Interval(s.Effect.Specificity)}; ") +
                Invariant($"{s.RandomSets} random sets: mean {s.RandomSetMean:+0.0000;-0.0000}, p95 {s.RandomSetPercentile95:+0.0000;-0.0000}; p {s.PValue:0.###}, Holm {s.HolmPValue:0.###} → {(s.Passes ? "beats random sets" : "does not beat random sets")}")));
        var probe = new Table().AddColumns("k", "probe F1 (5-fold)", "AUC", "neurons");
        foreach (var p in r.Probe) probe.AddRow($"{p.K}", Invariant($"{p.F1:F3} ± {p.F1StdDev:F3}"), Invariant($"{p.Auc:F3}"), Markup.Escape(string.Join(" ", p.Neurons)));
        console.Write(probe);
        var baseline = new Table().AddColumns("role", "layer (random)", "random held-out |AUC−0.5| p95", "random Δloss concept: mean, p95", "encoding threshold", "minimum detectable effect");
        foreach (var b in r.RandomBaseline)
            baseline.AddRow(b.Role.Name(), $"L{b.Layer} ({b.RandomNeurons.Count})", Invariant($"{b.AucDistance.Percentile95:F3}"),
                Invariant($"{b.ConceptDelta.Mean:+0.0000;-0.0000}, {b.ConceptDelta.Percentile95:+0.0000;-0.0000}"), Invariant($"{b.Thresholds.AucDistance:F3}"),
                ConceptStudyReport.Effect(b.MinimumDetectableEffect) + Invariant($" (rank test {b.RankNeeded:+0.0000;-0.0000}, CI ±{b.IntervalNeeded:0.0000})"));
        console.Write(baseline);
        if (r.Null is { } n)
        {
            console.MarkupLine(Markup.Escape($"null: {n.Reason}"));
            foreach (var b in r.RandomBaseline.Where(b => b.Calibration is not null))
                console.MarkupLine(Markup.Escape(Invariant($"  {b.Role.Name()} L{b.Layer}: {b.Calibration!.ExactUnits} exact / {b.Calibration.EstimatedUnits} estimated, AtP vs exact Spearman {b.Calibration.RankCorrelation:F2}, exact ≈ {b.Calibration.Intercept:+0.0000;-0.0000} + {b.Calibration.Slope:F2}·AtP, residual SD {b.Calibration.ResidualSd:0.00000} (in the test {b.Calibration.InflatedResidualSd:0.00000}, window sampling {b.Calibration.SamplingSd:0.00000})")));
            foreach (var s in r.SetAblations.Where(s => s.Calibration is not null))
                console.MarkupLine(Markup.Escape(Invariant($"  {s.Role.Name()} random sets: {s.Calibration!.ExactUnits} exact / {s.Calibration.EstimatedUnits} estimated, Spearman {s.Calibration.RankCorrelation:F2}, residual SD {s.Calibration.ResidualSd:0.00000} (in the test {s.Calibration.InflatedResidualSd:0.00000})")));
        }
        console.MarkupLine(Markup.Escape(Invariant($"{r.Correction}; {r.VerdictRule}; {r.Seconds:F0} s")));
    }

    private static string Interval(Numerics.Interval i) => Invariant($"{i.Value:+0.0000;-0.0000} ({i.Low:+0.0000;-0.0000}, {i.High:+0.0000;-0.0000})");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
