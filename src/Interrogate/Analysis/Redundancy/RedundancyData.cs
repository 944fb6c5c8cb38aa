using Interrogate.Data;
using Interrogate.Data.Corpora;
using Interrogate.Formats;
using Interrogate.Models.Mlp;
using Interrogate.Models.Transformer;
using Interrogate.Text;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Redundancy;

/// <summary>
/// The subject merges are searched and budgeted on, and a second view of the same model on data that no
/// decision saw (null when there is too little data for one), with what each set is.
/// </summary>
public sealed record RedundancyData(Subject Subject, string Kind, string DecidedOn, Subject? Confirm, string? ConfirmSet);

/// <summary>Opens a model folder for the `redundancy` command: an `interrogate train mnist` MLP, or a GPT-2/Llama folder with a corpus.</summary>
public static class RedundancyDataLoader
{
    /// <summary>
    /// MLP: fit on the first 3/4 of the training digits, R², losses and budgets on the last 1/4 (held out
    /// of the fits, never the test digits); confirmation on every test digit. Language model: 80% of the
    /// tokens fit, 20% held out; losses on the first <paramref name="evalTokens"/> held-out tokens,
    /// confirmation on the next as many.
    /// </summary>
    public static RedundancyData Open(string dir, string corpusName, int tokens, int evalTokens, string? dataDir)
    {
        if (!Directory.Exists(dir)) throw new InputException($"--model: {dir}: model folder not found");
        var config = HfConfig.Load(Path.Combine(dir, "config.json"));
        if (config.ModelType == MlpConfig.ModelType)
        {
            var classifier = MlpStore.Load(dir);
            var (train, test) = Mnist.Load(dataDir);
            int fit = train.Count * 3 / 4;
            LabelledImages Part(LabelledImages set, int from, int to) => set.Subset([.. Enumerable.Range(from, to - from)]);
            var (fitSet, heldOutSet) = (Part(train, 0, fit), Part(train, fit, train.Count));
            return new(ClassifierSubject.ForFits(classifier, fitSet, heldOutSet, heldOutSet), "mlp", $"mnist training digits {fit}-{train.Count - 1} (held out of the fits)",
                ClassifierSubject.ForFits(classifier, fitSet, heldOutSet, test), $"mnist test digits 0-{test.Count - 1}");
        }
        var lm = TransformerLoader.FromDirectory(dir);
        var ids = CorpusTokens(dir, corpusName, tokens, dataDir);
        int split = ids.Length * 4 / 5;
        var (fitTokens, heldOut) = (ids[..split], ids[split..]);
        int e = Math.Min(evalTokens, heldOut.Length);
        var subject = LanguageModelSubject.ForFits(lm, fitTokens, heldOut, heldOut[..e]);
        string decided = $"held-out tokens {split}-{split + e - 1}";
        if (heldOut.Length - e < 2) return new(subject, lm.ModelType, decided, null, null);
        var confirm = heldOut[e..Math.Min(heldOut.Length, 2 * e)];
        return new(subject, lm.ModelType, decided, LanguageModelSubject.ForFits(lm, fitTokens, heldOut, confirm), $"held-out tokens {split + e}-{split + e + confirm.Length - 1}");
    }

    /// <summary>
    /// The same data with a dictionary's features as the units (a language model only): the decisions'
    /// view and the confirmation view share one decoder, so the confirmation sees the folds.
    /// </summary>
    public static RedundancyData OverFeatures(RedundancyData data, Features.SparseDictionary dictionary)
    {
        if (data.Subject is not LanguageModelSubject text) throw new InputException("--units: features need a language model (an MLP classifier has no dictionary hooks)");
        RequireHooks(text.Model, dictionary);
        var features = new FeatureSubject(dictionary, text);
        return data with { Subject = features, Kind = $"{data.Kind} features", Confirm = data.Confirm is LanguageModelSubject c ? features.WithTokens(c) : null };
    }

    /// <summary>Refuses a dictionary whose input or output hook is not a hook point of the model with the dictionary's width.</summary>
    public static void RequireHooks(CausalLanguageModel model, Features.SparseDictionary dictionary)
    {
        var hooks = model.DescribeHookPoints(1, 1).ToDictionary(h => h.Name, h => h.Shape[^1]);
        foreach (var (hook, width) in new[] { (dictionary.HookIn, dictionary.InputWidth), (dictionary.HookOut, dictionary.OutputWidth) })
            if (!hooks.TryGetValue(hook, out int w) || w != width)
                throw new InputException($"--units: the dictionary reads or writes {hook} with width {width}; the model has {(hooks.ContainsKey(hook) ? $"width {w} there" : "no such hook point")}");
    }

    /// <summary>The first <paramref name="count"/> tokens of the corpus under the model's tokenizer: validation split first, then test, then train.</summary>
    public static int[] CorpusTokens(string dir, string corpusName, int count, string? dataDir)
    {
        var corpus = Corpus.Open(corpusName, dataDir);
        var tokenizer = TokenizerLoader.FromDirectory(dir);
        using var tokenized = TokenizedCorpus.Build(corpus, tokenizer, TokenizerLoader.Fingerprint(dir), dataDir);
        var ids = new List<int>(count);
        foreach (var file in new[] { tokenized.Validation, tokenized.Test, tokenized.Train })
        {
            int take = (int)Math.Min(file.Count, count - ids.Count);
            if (take > 0) ids.AddRange(file.Read(0, take));
        }
        return [.. ids];
    }
}
