using Interrogate.Analysis.Importance;
using Interrogate.Data;
using Interrogate.Data.Corpora;
using Interrogate.Formats;
using Interrogate.Models.Mlp;
using Interrogate.Models.Transformer;
using Interrogate.Text;
using Interrogate.Training.LanguageModel;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>Where a pruning run's data comes from.</summary>
public sealed record PruningDataOptions
{
    /// <summary>Corpus for language models: sotu, moby-dick or a folder.</summary>
    public string Corpus { get; init; } = "sotu";
    /// <summary>Evaluation tokens (validation split) every reported loss is measured on.</summary>
    public int Tokens { get; init; } = 16_384;
    /// <summary>Calibration tokens (train split) scores and mean activations are measured on.</summary>
    public int CalibrationTokens { get; init; } = 2_048;
    /// <summary>Calibration images for the MNIST MLP (the first ones of the training split).</summary>
    public int CalibrationImages { get; init; } = 2_000;
    /// <summary>
    /// MNIST only; 0 for none. Holds out the last N training digits (<see cref="Mnist.HoldOut"/>): they
    /// replace the test digits as the evaluation set, and calibration and fine-tuning use the rest.
    /// </summary>
    public int ValidationImages { get; init; }
    /// <summary>MNIST only: fine-tune on epoch-shuffled batches (<see cref="ClassifierSubject.EpochShuffle"/>).</summary>
    public bool EpochShuffle { get; init; }
    public int BatchSize { get; init; } = 8;
    public ulong Seed { get; init; }
    /// <summary>Cache for corpora, token files and MNIST.</summary>
    public string? CacheDirectory { get; init; }
}

/// <summary>A network opened for pruning, with the files it reads kept open until disposed.</summary>
public sealed class OpenedNetwork(Subject network, IDisposable? resources, string[] filesToCopy) : IDisposable
{
    public Subject Network { get; } = network;
    /// <summary>Files of the model folder that a pruned copy carries over unchanged (tokenizer files).</summary>
    public IReadOnlyList<string> FilesToCopy { get; } = filesToCopy;
    public void Dispose() => resources?.Dispose();
}

/// <summary>Opens a model folder as a <see cref="Subject"/>: an `interrogate train mnist` MLP, or a GPT-2/Llama folder with a corpus.</summary>
public static class PruningData
{
    /// <summary>Tokenizer and generation files copied beside a pruned language model.</summary>
    public static readonly string[] TokenizerFiles =
        ["tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"];

    public static OpenedNetwork Open(string modelDirectory, PruningDataOptions options)
    {
        if (!Directory.Exists(modelDirectory)) throw new InputException($"--model: {modelDirectory}: model folder not found");
        if (options.Tokens < 2 || options.CalibrationTokens < 2) throw new InputException("--tokens: need at least 2 tokens");
        var config = ModelDirectory.Open(modelDirectory).LoadConfig();
        if (config.DetectModelType() == MlpConfig.ModelType)
        {
            var model = MlpStore.Load(modelDirectory);
            var (train, test) = Mnist.Load(options.CacheDirectory);
            if (options.ValidationImages > 0) (train, test) = Mnist.HoldOut(train, options.ValidationImages);
            if (model.Config.InputSize != train.Features || model.Config.NumClasses != train.Classes)
                throw InputException.ForFile(config.Path, $"the MLP takes {model.Config.InputSize} inputs and {model.Config.NumClasses} classes; MNIST has {train.Features} and {train.Classes}");
            var calibration = train.Subset([.. Enumerable.Range(0, Math.Min(options.CalibrationImages, train.Count))]);
            var evaluationName = options.ValidationImages > 0 ? "held-out training digits (--validation)" : "test digits";
            return new OpenedNetwork(new ClassifierSubject(model, calibration, test, train, seed: options.Seed, epochShuffle: options.EpochShuffle,
                evaluationName: evaluationName).RequirePrunable(), null, []);
        }
        if (options.ValidationImages > 0)
            throw new InputException("--validation: only for MNIST models (a language model is already measured on its corpus's validation split)");
        if (options.EpochShuffle) throw new InputException("--shuffle: only for MNIST models (a language model tunes on random windows of its corpus)");
        var lm = TransformerLoader.FromDirectory(modelDirectory);
        var tokenizer = TokenizerLoader.FromDirectory(modelDirectory);
        var hash = TokenizerLoader.Fingerprint(modelDirectory);
        var corpus = Data.Corpora.Corpus.Open(options.Corpus, options.CacheDirectory);
        var tokens = TokenizedCorpus.Build(corpus, tokenizer, hash, options.CacheDirectory);
        try
        {
            int t = Math.Min(lm.Dimensions.ContextLength, 128);
            var calibration = Windows(tokens.Train, options.CalibrationTokens, t);
            var evaluation = Windows(tokens.Validation, options.Tokens, t);
            var network = new LanguageModelSubject(lm, calibration, evaluation, tokens.Train, options.BatchSize, options.Seed);
            return new OpenedNetwork(network, tokens, [.. TokenizerFiles.Select(f => Path.Combine(modelDirectory, f)).Where(File.Exists)]);
        }
        catch
        {
            tokens.Dispose();
            throw;
        }
    }

    /// <summary>About <paramref name="tokens"/> tokens as evenly spaced windows of <paramref name="length"/>.</summary>
    private static List<int[]> Windows(TokenFile file, int tokens, int length)
    {
        if (file.Count < 2) throw new InputException($"--corpus: the split in {file.Path} has {file.Count} tokens, too few to measure a loss; use a larger corpus");
        length = (int)Math.Min(length, file.Count);
        int count = Math.Max(1, tokens / length);
        return [.. TokenWindows.ValidationStarts(file, count, length).Select(s => file.Read(s, length))];
    }
}
