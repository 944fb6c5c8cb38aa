using System.Globalization;
using Interrogate.Data;
using Interrogate.Data.Corpora;
using Interrogate.Formats;
using Interrogate.Models.Gpt2;
using Interrogate.Text;
using Interrogate.Text.Training;

namespace Interrogate.Training.LanguageModel;

/// <summary>What `train gpt` asks for.</summary>
public sealed record GptTrainingRequest(string Corpus, GptPreset Preset, string OutDirectory)
{
    public LanguageModelTrainingOptions Options { get; init; } = Preset.Training;
    public bool Resume { get; init; }
    /// <summary>Cache for packages, tokenizers and token files (default: the user cache).</summary>
    public string? CacheDirectory { get; init; }
    /// <summary>The command line, recorded in TRAINING.md.</summary>
    public string CommandLine { get; init; } = "";
}

/// <summary>
/// What a run produced. Validation losses are nats per token on the reported windows (<see cref="ReportedOn"/>),
/// the same for the model and the baselines; early stopping watched other windows (<see cref="StoppedOn"/>),
/// whose losses are <see cref="StoppingLoss"/> and <see cref="BestStoppingLoss"/>.
/// </summary>
public sealed record GptTrainingReport(string Corpus, string Preset, long Steps, long TotalSteps, bool Finished, bool StoppedEarly,
    long? ResumedFrom, long Parameters, int VocabSize, long TrainTokens, long ValidationTokens, long TestTokens,
    double ValidationLoss, double StoppingLoss, double BestStoppingLoss, string ReportedOn, string StoppedOn, double UnigramLoss, double BigramLoss, NgramBaselineReport Baselines, double TokensPerSecond, double Seconds,
    string ModelDirectory, IReadOnlyList<string> Warnings)
{
    /// <summary>Nats per token the model is below the stronger Kneser–Ney baseline (positive: the model is better).</summary>
    public double MarginOverKneserNey => Baselines.Strongest.Loss - ValidationLoss;
}

/// <summary>
/// The whole `train gpt` pipeline: corpus → byte-level BPE trained on the train split (cached) →
/// token files (cached, memory-mapped) → GPT-2 model → <see cref="LanguageModelTrainer"/> → a model
/// folder the loaders read (config.json, model.safetensors, tokenizer.json) with train_log.jsonl
/// and TRAINING.md. Weights are saved as float32 when that stays within 40 MB, else float16.
/// </summary>
public static class GptTrainingRun
{
    public const long MaxFloat32Bytes = 40L * 1024 * 1024;

    /// <summary>Runs the pipeline; <c>status</c> gets stage messages ("training tokenizer…"), <c>progress</c> every step.</summary>
    public static GptTrainingReport Run(GptTrainingRequest request, Action<string>? status = null,
        Action<LanguageModelProgress>? progress = null, CancellationToken cancel = default)
    {
        var options = request.Options;
        options.Validate();   // every flag before any file is written
        var corpus = Corpus.Open(request.Corpus, request.CacheDirectory);
        CheckLargeEnough(corpus, options.SequenceLength);
        var cache = request.CacheDirectory ?? NpmPackage.DefaultCacheDirectory();
        var checkpoint = Path.Combine(request.OutDirectory, LanguageModelTrainer.CheckpointFolder);
        if (!request.Resume && TrainingCheckpoint.TryRead(checkpoint) is not null) // before the tokenizer beside it is replaced
            throw InputException.ForFile(checkpoint, "holds a checkpoint of an earlier run; pass --resume to continue it, or choose another --out");
        if (request.Resume && TrainingCheckpoint.TryRead(checkpoint) is null)
            throw new InputException($"--resume: {request.OutDirectory} holds no checkpoint to continue; leave out --resume to start a new run");
        Directory.CreateDirectory(request.OutDirectory);
        var tokenizerPath = Path.Combine(request.OutDirectory, "tokenizer.json");
        if (!(request.Resume && File.Exists(tokenizerPath)))
            File.Copy(TrainedTokenizer(corpus, request.Preset.VocabSize, cache, status, cancel), tokenizerPath, overwrite: true);
        var tokenizer = TokenizerJson.Load(tokenizerPath);
        var tokenizerHash = TokenizerLoader.Fingerprint(request.OutDirectory);

        using var tokens = TokenizedCorpus.Build(corpus, tokenizer, tokenizerHash, cache, () => status?.Invoke("tokenising the corpus"));
        var config = request.Preset.ModelConfig(tokenizer.VocabSize, tokenizer.EosId);
        var model = new Gpt2Model(config, options.Seed);
        var trainer = new LanguageModelTrainer(model, options, request.OutDirectory) { DataIdentity = $"{corpus.Fingerprint}|{tokenizerHash}" };
        var result = trainer.Train(tokens.Train, tokens.Validation, request.Resume, progress, cancel);

        status?.Invoke("measuring the n-gram baselines");
        var (starts, stopping, disjoint) = TokenWindows.ReportedAndStoppingStarts(tokens.Validation, options.EvalWindows, options.SequenceLength);
        var baselines = NgramBaselineReport.Measure(tokens.Train, tokens.Validation, tokenizer.VocabSize, starts, options.SequenceLength);
        string reportedOn = $"{starts.Length} validation windows of {options.SequenceLength} tokens (the even ones of {starts.Length + stopping.Length} evenly spaced)";
        string stoppedOn = disjoint ? $"{stopping.Length} other validation windows of {options.SequenceLength} tokens (the odd ones), disjoint from the reported"
            : "the same window as reported (the validation split holds fewer than two windows)";
        SaveModel(model, request.OutDirectory);
        var report = new GptTrainingReport(corpus.Name, request.Preset.Name, result.Steps, options.Steps, result.Finished, result.StoppedEarly,
            result.ResumedFrom, model.ParameterCount(), tokenizer.VocabSize, tokens.Train.Count, tokens.Validation.Count, tokens.Test.Count,
            result.ValidationLoss, result.StoppingLoss, result.BestStoppingLoss, reportedOn, stoppedOn, baselines.Unigram, baselines.Bigram, baselines, result.TokensPerSecond, result.Seconds,
            Path.GetFullPath(request.OutDirectory), corpus.Warnings);
        IO.AtomicFile.WriteAllText(Path.Combine(request.OutDirectory, "TRAINING.md"), TrainingNotes.Write(report, request, config));
        return report;
    }

    /// <summary>
    /// Refuses, before any tokenizer is trained or file written, a corpus whose train or validation split
    /// cannot fill one window: a byte-level token covers at least one byte, plus one end-of-text per document.
    /// </summary>
    private static void CheckLargeEnough(Corpus corpus, int window)
    {
        foreach (var split in new[] { CorpusSplit.Train, CorpusSplit.Validation })
        {
            long docs = 0, bytes = 0;
            foreach (var doc in corpus.Split(split))
            {
                docs++;
                bytes += System.Text.Encoding.UTF8.GetByteCount(doc.Read());
                if (bytes + docs > window) break;   // large enough; the rest need not be read here
            }
            if (bytes + docs <= window)
                throw new InputException($"--corpus {corpus.Name}: its {split.ToString().ToLowerInvariant()} split holds {docs} document(s) of {bytes} bytes in all, " +
                    $"fewer than one window of {window} tokens; use a corpus with more (or longer) documents");
        }
    }

    /// <summary>Trains (or reuses from the cache) a tokenizer of <paramref name="vocabSize"/> on the train split; returns its tokenizer.json path.</summary>
    public static string TrainedTokenizer(Corpus corpus, int vocabSize, string cache, Action<string>? status, CancellationToken cancel)
    {
        var key = Corpus.Hash($"{corpus.Fingerprint}|bpe|{vocabSize.ToString(CultureInfo.InvariantCulture)}|v1")[..24];
        var path = Path.Combine(cache, "tokenizers", key, "tokenizer.json");
        if (File.Exists(path)) return path;
        status?.Invoke($"training a {vocabSize}-token BPE tokenizer on the train split");
        var tokenizer = BpeTrainer.Train(corpus.Split(CorpusSplit.Train).Select(d => d.Read()), vocabSize, cancel);
        TokenizerJson.Write(tokenizer, path);
        return path;
    }

    /// <summary>config.json + model.safetensors in the Hugging Face GPT-2 layout.</summary>
    public static void SaveModel(Gpt2Model model, string directory)
    {
        var dtype = model.ParameterCount() * 4 <= MaxFloat32Bytes ? SafetensorsDType.F32 : SafetensorsDType.F16;
        SafetensorsWriter.Write(Path.Combine(directory, ModelDirectory.WeightsFileName), model.Weights().ForSaving(),
            new Dictionary<string, string> { ["format"] = "pt" }, dtype);
        var hf = model.Config.ToHf();
        hf.Json["torch_dtype"] = dtype == SafetensorsDType.F32 ? "float32" : "float16";
        hf.Save(Path.Combine(directory, ModelDirectory.ConfigFileName));
    }
}
