using System.Diagnostics;
using Interrogate.Data.Corpora;
using Interrogate.IO;
using Interrogate.Models.Transformer;
using Interrogate.Text;

namespace Interrogate.Demo;

/// <summary>What the demo wrote and found.</summary>
public sealed record DemoResult(IReadOnlyList<DemoSection> Sections, string ReportPath, string ResultPath, double Seconds)
{
    /// <summary>The answers and their numbers, for --json and result.json.</summary>
    public object Summary() => new
    {
        report = ReportPath,
        seconds = Seconds,
        sections = Sections.Select(s => new { id = s.Id, question = s.Question, answer = s.Answer, seconds = s.Seconds, data = s.Data }),
    };
}

/// <summary>
/// The main job, stage by stage: find the capitalization neurons, trace one prediction through the
/// strongest of them, search for redundant neurons, compare magnitude pruning with redundancy merging,
/// prune and fine-tune, then the same questions on an MNIST classifier; one report.html at the end.
/// </summary>
public static class DemoRun
{
    public static DemoResult Run(DemoOptions options, Action<string> say, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        var modelDir = options.ModelDirectory;
        if (!Directory.Exists(modelDir)) throw new InputException($"--model: {modelDir}: model folder not found");
        var tokenizer = TokenizerLoader.FromDirectory(modelDir);
        CausalLanguageModel Load() => TransformerLoader.FromDirectory(modelDir);
        var model = Load();
        var progress = Throttled(say);

        long wanted = Analysis.Verdicts.ConceptStudyOptions.TokensToRead(options.ConceptTokens, model.Dimensions.ContextLength, ConceptStage.EvaluationWindows(options));
        var (heldOut, source) = HeldOutTokens.Read(options.Corpus, options.CacheDirectory, modelDir, tokenizer, wanted, say);
        // Only once the inputs are known to be good, so a bad --model or --corpus leaves nothing behind.
        CreateOutputDirectory(options.OutputDirectory);

        var sections = new List<DemoSection>();
        DemoSection Timed(Func<DemoSection> stage)
        {
            cancel.ThrowIfCancellationRequested();
            var started = Stopwatch.StartNew();
            var section = stage();
            say($"{section.Id}: {section.Answer}");
            return section with { Seconds = started.Elapsed.TotalSeconds };
        }

        DemoSection? concept = null;
        Analysis.Verdicts.ConceptStudyResult? study = null;
        concept = Timed(() =>
        {
            var (section, result) = ConceptStage.Run(model, tokenizer, options, heldOut, source, progress);
            study = result;
            return section;
        });
        var best = study!.Candidates.OrderByDescending(c => c.Verdict == Analysis.Verdicts.Verdict.Responsible).ThenByDescending(c => c.Effect.Concept.Value).FirstOrDefault();
        sections.Add(Timed(() => TraceStage.Run(model, tokenizer, options.TracePrompt, best is null ? null : (best.Layer, best.Neuron))));
        sections.Add(concept);
        sections.Add(Timed(() => FeatureStage.Run(model, tokenizer, options, heldOut, source, study, progress)));
        sections.Add(Timed(() => RedundancyStage.Run(Load, heldOut[..Math.Min(heldOut.Length, options.RedundancyTokens)], options, progress)));
        foreach (var stage in PruningStages.Run(options, say, progress, cancel)) sections.Add(stage);

        var seconds = clock.Elapsed.TotalSeconds;
        var description = $"{Path.GetFileName(Path.GetFullPath(modelDir).TrimEnd('/'))} ({model.ModelType}, {model.Dimensions.Layers} layers × {model.Dimensions.DModel} wide, {string.Join("/", model.Dimensions.MlpWidths.Distinct())} MLP neurons per layer)";
        var reportPath = Path.GetFullPath(Path.Combine(options.OutputDirectory, "report.html"));
        AtomicFile.WriteAllText(reportPath, DemoReport.Build(sections, description, seconds));
        var result = new DemoResult(sections, reportPath, Path.GetFullPath(Path.Combine(options.OutputDirectory, "result.json")), seconds);
        AtomicFile.WriteAllText(result.ResultPath, System.Text.Json.JsonSerializer.Serialize(result.Summary(), JsonOptions));
        return result;
    }

    private static void CreateOutputDirectory(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"--out {path}: cannot create the folder ({e.Message})");
        }
    }

    internal static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Stage progress as plain lines, at most one per stage and 10% step, so logs stay short.</summary>
    private static Action<string, double> Throttled(Action<string> say)
    {
        string last = "";
        int lastTenth = -1;
        return (stage, fraction) =>
        {
            int tenth = (int)Math.Floor(Math.Clamp(fraction, 0, 1) * 10);
            if (stage == last && tenth == lastTenth) return;
            if (stage != last || tenth > lastTenth) say($"  {stage} {tenth * 10}%");
            last = stage;
            lastTenth = tenth;
        };
    }
}
