using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Interrogate.Nn;
using Interrogate.Store;
using Interrogate.Analysis.Explanation;
using Interrogate.Cli.Output;
using Interrogate.Data;
using Interrogate.Data.Corpora;
using Interrogate.Features;
using Interrogate.Text;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>
/// `interrogate activations record|stats|top|explain`: record hook-point activations over a corpus
/// into a resumable on-disk store, then read per-neuron statistics, max-activating contexts and a
/// held-out-scored explanation from it.
/// </summary>
internal static class ActivationsCommand
{
    public static Command Create() => new("activations", "Record activations over a corpus and read neurons from the store")
    {
        Record(), Stats(), Top(), Explain(),
    };

    private static Option<string?> ModelOption() => new("--model")
    {
        Description = "Model folder (default: $INTERROGATE_MODEL, else the shipped models/sotu-small; for reading, the store's own model)",
    };

    private static Option<string> StoreOption(string name = "--store") => new(name) { Description = "Activation store folder", Required = true };
    private static Option<bool> PartialOption() => new("--partial") { Description = "Read a store whose recording was stopped before the end (its complete chunks only)" };

    /// <summary>Opens a store for reading; an unfinished recording is an error unless --partial says to read what is there.</summary>
    private static ActivationStore OpenStore(string directory, bool partial)
    {
        var store = ActivationStore.Open(directory);
        if (!store.Manifest.Complete && !partial)
        {
            var (done, total) = (store.Manifest.Chunks.Count, store.Manifest.TotalChunks);
            store.Dispose();
            throw new InputException($"--store {directory}: the recording is unfinished ({done} of {total} chunks); resume it with `activations record`, or pass --partial to read the complete chunks");
        }
        return store;
    }

    private static Option<string?> HookOption() => new("--hook") { Description = "Hook point, e.g. blocks.2.mlp.hook_post (or --units)" };

    /// <summary>
    /// The hook a top/explain reads: --hook, or the feature hook of --units (refused when the store recorded that hook
    /// from another dictionary); one of them is required.
    /// </summary>
    private static string HookOf(System.CommandLine.ParseResult parsed, Option<string?> hook, Option<string?> units, ActivationStore store)
    {
        if (parsed.GetValue(units) is not { } spec)
            return parsed.GetValue(hook) ?? throw new InputException("--hook: give the hook point to read (or --units sae:DIR for a dictionary's features)");
        var dictionary = UnitsOption.Parse(spec)!;
        DictionaryProvenance.Check(store.Manifest, dictionary, $"--units {spec}");
        return FeatureHook.NameOf(dictionary.HookOut);
    }
    private static Option<int> NeuronOption() => new("--neuron") { Description = "Neuron index along the hook's last axis", Required = true };

    private static Command Record()
    {
        var model = ModelOption();
        var corpus = new Option<string>("--corpus") { Description = "sotu, moby-dick, or a text file / folder of *.txt and *.md files", Required = true };
        var split = new Option<string>("--split") { Description = "train, validation or test", DefaultValueFactory = _ => "validation" };
        var hooks = new Option<string>("--hooks") { Description = "Comma-separated hook points; * matches one name part", DefaultValueFactory = _ => "blocks.*.mlp.hook_post" };
        var tokens = new Option<long?>("--tokens") { Description = "Record at most this many tokens of the split (default: all)" };
        var batch = new Option<int>("--batch") { Description = "Windows per forward pass", DefaultValueFactory = _ => 8 };
        var topK = new Option<int>("--top-k") { Description = "Max-activating contexts kept per neuron", DefaultValueFactory = _ => 20 };
        var chunkWindows = new Option<int>("--chunk-windows") { Description = "Windows per chunk file (the unit of resumption and of sharding)", DefaultValueFactory = _ => 64 };
        var output = StoreOption("--out");
        var shard = ShardOptions.Shard();
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var units = UnitsOption.Create();
        var command = new Command("record", "Record activations of a corpus split into a store (re-running resumes it)")
        {
            model, corpus, split, hooks, units, tokens, batch, topK, chunkWindows, output, shard, dataDir, json,
        };
        command.SetAction(parsed =>
        {
            var dir = ResolveModel(parsed.GetValue(model));
            CommonOptions.RequirePositive(parsed.GetValue(batch), "--batch");
            CommonOptions.RequirePositive(parsed.GetValue(topK), "--top-k");
            CommonOptions.RequirePositive(parsed.GetValue(chunkWindows), "--chunk-windows");
            if (parsed.GetValue(tokens) is long n && n < 1) throw new InputException($"--tokens: must be a positive integer, got {n}");
            var which = parsed.GetValue(split) switch
            {
                "train" => CorpusSplit.Train, "validation" => CorpusSplit.Validation, "test" => CorpusSplit.Test,
                var s => throw new InputException($"--split: '{s}' is not train, validation or test"),
            };
            var lm = ModelOptions.LoadModel(dir);
            var tokenizer = ModelOptions.LoadTokenizer(dir);
            var features = parsed.GetValue(units) is { } spec ? UnitsOption.Attach(lm, spec) : null;
            var hookNames = ExpandHooks(features?.Name ?? parsed.GetValue(hooks)!, lm.DescribeHookPoints(1, 1).Select(h => h.Name).ToList());
            var text = Corpus.Open(parsed.GetValue(corpus)!, parsed.GetValue(dataDir));
            using var tokenized = TokenizedCorpus.Build(text, tokenizer, TokenizerLoader.Fingerprint(dir), parsed.GetValue(dataDir),
                () => Terminal.Status.MarkupLine("tokenising the corpus…"));
            var file = which switch { CorpusSplit.Train => tokenized.Train, CorpusSplit.Test => tokenized.Test, _ => tokenized.Validation };
            var source = TokenSource.FromFile(file, $"{text.Name}/{which.ToString().ToLowerInvariant()}@{text.Fingerprint[..16]}", 0,
                Math.Min(file.Count, parsed.GetValue(tokens) ?? file.Count));
            var options = new ActivationStoreOptions
            {
                Hooks = hookNames, BatchSize = parsed.GetValue(batch), TopK = parsed.GetValue(topK), WindowsPerChunk = parsed.GetValue(chunkWindows),
                Shard = ShardOptions.Parse(parsed.GetValue(shard)),
                Dictionaries = features is null ? null : [DictionaryProvenance.Describe(features.Dictionary)],
            };
            var outDir = parsed.GetValue(output)!;
            var clock = Stopwatch.StartNew();
            long before = File.Exists(ActivationManifest.PathIn(outDir)) ? ActivationManifest.Load(outDir).Chunks.Sum(c => (long)c.Tokens) : 0;
            var manifest = Terminal.WithProgress($"recording {hookNames.Count} hook(s)", update => ActivationRecorder.Record(
                lm, Fingerprint.ModelWeights(dir), source, outDir, options,
                m => update($"chunk {m.Chunks.Count}/{m.ChunkRange.End - m.ChunkRange.Start}, {m.StoredTokens:N0} tokens", (double)m.Chunks.Count / Math.Max(1, m.ChunkRange.End - m.ChunkRange.Start))));
            long recorded = manifest.Chunks.Sum(c => (long)c.Tokens);
            double seconds = clock.Elapsed.TotalSeconds, rate = (recorded - before) / Math.Max(1e-9, seconds);
            if (parsed.GetValue(json))
                Terminal.WriteJson(new { store = Path.GetFullPath(outDir), model = manifest.Model, corpus = manifest.Corpus, hooks = manifest.Hooks, dictionaries = manifest.Dictionaries,
                    tokens = recorded, chunks = manifest.Chunks.Count, shard = manifest.Shard?.ToString(), recorded_now = recorded - before, seconds, tokens_per_second = rate });
            else
                Terminal.Out.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"{recorded:N0} tokens × {manifest.Hooks.Count} hook(s) in {Path.GetFullPath(outDir)}{(manifest.Shard is { } sh ? $" (shard {sh}; merge the shards with `interrogate merge`)" : "")} ({recorded - before:N0} recorded now at {rate:N0} tokens/s)")));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Stats()
    {
        var (store, partial) = (StoreOption(), PartialOption());
        var hook = new Option<string?>("--hook") { Description = "Only this hook point (default: every recorded one)" };
        var neuron = new Option<int?>("--neuron") { Description = "Only this neuron (default: every neuron)" };
        var json = CommonOptions.Json();
        var command = new Command("stats", "Per-neuron mean, variance, range, fraction positive and quantiles") { store, hook, neuron, partial, json };
        command.SetAction(parsed =>
        {
            using var s = OpenStore(parsed.GetValue(store)!, parsed.GetValue(partial));
            var hooks = parsed.GetValue(hook) is { } h ? [h] : s.Hooks.Select(x => x.Name).ToList();
            var rows = new List<NeuronStatsRow>();
            foreach (var name in hooks)
            {
                var stats = s.Statistics(name);
                var neurons = parsed.GetValue(neuron) is int one ? [CheckNeuron(s, name, one)] : Enumerable.Range(0, s.Width(name));
                rows.AddRange(neurons.Select(j => new NeuronStatsRow(name, j, stats.Mean(j), stats.Variance(j), Math.Sqrt(stats.Variance(j)), stats.Min(j), stats.Max(j),
                    stats.FractionPositive(j), stats.Quantile(j, 0.01), stats.Quantile(j, 0.1), stats.Quantile(j, 0.5), stats.Quantile(j, 0.9), stats.Quantile(j, 0.99))));
            }
            if (parsed.GetValue(json)) { Terminal.WriteJson(new { store = Path.GetFullPath(parsed.GetValue(store)!), tokens = s.Tokens, neurons = rows }); return ExitCodes.Ok; }
            bool manyHooks = hooks.Count > 1;
            var table = new Table().Title(Markup.Escape($"{(manyHooks ? "" : hooks[0] + ": ")}{s.Tokens:N0} tokens; quantiles from {s.Manifest.HistogramBins}-bin histograms"));
            if (manyHooks) table.AddColumn("hook");
            table.AddColumns("neuron", "mean", "std", "min", "q10", "q50", "q90", "max", "> 0");
            foreach (var r in rows)
                table.AddRow([.. manyHooks ? [Markup.Escape(r.Hook)] : Array.Empty<string>(), $"{r.Neuron}",
                    .. new[] { r.Mean, r.Std, r.Min, r.Q10, r.Q50, r.Q90, r.Max }.Select(v => F(v)), $"{r.FractionPositive:P1}"]);
            Terminal.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed record NeuronStatsRow(string Hook, int Neuron, double Mean, double Variance, double Std, double Min, double Max, double FractionPositive,
        double Q01, double Q10, double Q50, double Q90, double Q99);

    private static Command Top()
    {
        var (store, hook, neuron, model, partial) = (StoreOption(), HookOption(), NeuronOption(), ModelOption(), PartialOption());
        var k = new Option<int>("--k") { Description = "How many contexts (at most the store's top-k)", DefaultValueFactory = _ => 20 };
        var json = CommonOptions.Json();
        var units = UnitsOption.Create();
        var command = new Command("top", "A neuron's (or feature's) max-activating contexts") { store, hook, units, neuron, k, model, partial, json };
        command.SetAction(parsed =>
        {
            CommonOptions.RequirePositive(parsed.GetValue(k), "--k");
            using var s = OpenStore(parsed.GetValue(store)!, parsed.GetValue(partial));
            string h = HookOf(parsed, hook, units, s);
            int j = CheckNeuron(s, h, parsed.GetValue(neuron));
            var tokenizer = StoreTokenizer(s, parsed.GetValue(model));
            var top = s.TopContexts(h, j).Take(parsed.GetValue(k)).Select(c => new
            {
                token = c.Token,
                value = c.Value,
                text = tokenizer.TokenText(c.Ids[c.Offset]),
                before = tokenizer.Decode(c.Ids.AsSpan(0, c.Offset)),
                after = tokenizer.Decode(c.Ids.AsSpan(c.Offset + 1)),
                ids = c.Ids,
                offset = c.Offset,
            }).ToList();
            if (parsed.GetValue(json)) { Terminal.WriteJson(new { hook = h, neuron = j, contexts = top }); return ExitCodes.Ok; }
            var table = new Table().Title(Markup.Escape($"{h}[{j}]: top {top.Count} of {s.Tokens:N0} tokens")).AddColumns("#", "activation", "position", "context ([[token]])");
            for (int i = 0; i < top.Count; i++)
                table.AddRow($"{i + 1}", F(top[i].value), $"{top[i].token}", Markup.Escape(Show(top[i].before) + "[[" + Show(top[i].text) + "]]" + Show(top[i].after)));
            Terminal.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Explain()
    {
        var (store, hook, neuron, model, partial) = (StoreOption(), HookOption(), NeuronOption(), ModelOption(), PartialOption());
        var units = UnitsOption.Create();
        var heldOut = new Option<double>("--held-out") { Description = "Share of the store's windows (its last ones) kept for scoring", DefaultValueFactory = _ => 0.2 };
        var json = CommonOptions.Json();
        var command = new Command("explain", "Explain a neuron in words, simulate it from the words, and score the simulation on held-out text against token identity alone")
        {
            store, hook, units, neuron, heldOut, model, partial, json,
        };
        command.SetAction(parsed =>
        {
            double f = parsed.GetValue(heldOut);
            if (!(f > 0 && f < 1)) throw new InputException($"--held-out: must lie strictly between 0 and 1, got {f}");
            using var s = OpenStore(parsed.GetValue(store)!, parsed.GetValue(partial));
            string h = HookOf(parsed, hook, units, s);
            int j = CheckNeuron(s, h, parsed.GetValue(neuron));
            var result = HeldOutExplainer.Run(s, h, j, new TokenFacts(StoreTokenizer(s, parsed.GetValue(model))), f);
            var (e, score) = (result.Explanation, result.Score);
            if (parsed.GetValue(json))
            {
                Terminal.WriteJson(new
                {
                    hook = h, neuron = j, explanation = e.Text,
                    rules = e.Features.Select(r => new { kind = r.Kind, description = r.Description, weight = r.Weight, count = r.Count, mean_activation = r.MeanActivation }),
                    intercept = e.Intercept, top_tokens = e.TopTokens, explained_tokens = e.Tokens, training_correlation = e.TrainingCorrelation,
                    held_out_tokens = score.Tokens, held_out_windows = score.Windows, correlation = score.Correlation, baseline_correlation = score.BaselineCorrelation,
                    gain = score.Gain, gain_low = score.GainLow, gain_high = score.GainHigh, finding = score.Finding, summary = score.Summary(),
                    chance_level = score.ChanceLevel,
                });
                return ExitCodes.Ok;
            }
            var console = Terminal.Out;
            console.MarkupLine($"[bold]{Markup.Escape($"{h}[{j}]")}[/]: {Markup.Escape(e.Text)}");
            var rules = new Table().AddColumns("context rule", "kind", "weight (beyond the token's mean)", "seen", "mean activation there");
            foreach (var r in e.Features) rules.AddRow(Markup.Escape(r.Description), r.Kind, F(r.Weight), $"{r.Count:N0}", F(r.MeanActivation));
            if (e.Features.Count > 0) console.Write(rules);
            console.MarkupLine(Markup.Escape(score.Summary()));
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"(explained from {e.Tokens:N0} tokens, in-sample r = {e.TrainingCorrelation:0.000}; |r| < {score.ChanceLevel:0.000} is chance on the held-out tokens)")));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Expands "blocks.*.mlp.hook_post,blocks.0.hook_resid_post" against the model's hook names, in model order.</summary>
    private static List<string> ExpandHooks(string spec, List<string> available)
    {
        var result = new List<string>();
        foreach (var pattern in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var matched = HookNames.Resolve(pattern, available);
            if (matched.Count == 0) throw new InputException($"--hooks {pattern}: matches no hook point of this model; `interrogate hooks` lists them");
            result.AddRange(matched.Where(m => !result.Contains(m)));
        }
        if (result.Count == 0) throw new InputException("--hooks: no hook point given");
        return result;
    }

    private static int CheckNeuron(ActivationStore store, string hook, int neuron)
    {
        int width = store.Width(hook);
        return neuron >= 0 && neuron < width ? neuron : throw new InputException($"--neuron {neuron}: {hook} has neurons 0..{width - 1}");
    }

    /// <summary>The tokenizer of --model, else of the folder the store was recorded from (if it still exists), else of the default model.</summary>
    private static ITokenizer StoreTokenizer(ActivationStore store, string? model)
    {
        if (model is not null) return ModelOptions.LoadTokenizer(model);
        if (Fingerprint.ModelDirectoryOf(store.Manifest.Model) is { } recorded && Directory.Exists(recorded)) return ModelOptions.LoadTokenizer(recorded);
        return ModelOptions.LoadTokenizer(ResolveModel(null));
    }

    private static string ResolveModel(string? model) => model ?? ModelOptions.DefaultModelDirectory();

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.###", CultureInfo.InvariantCulture) : "—";

    private static string Show(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal);
}
