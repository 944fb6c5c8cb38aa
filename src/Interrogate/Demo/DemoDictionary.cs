using Interrogate.Data;
using Interrogate.Data.Corpora;
using Interrogate.Features;
using Interrogate.IO;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Store;
using Interrogate.Text;

namespace Interrogate.Demo;

/// <summary>
/// The demo's TopK dictionary on one residual stream: trained on the corpus's train split (recorded
/// into a temporary activation store, streamed in shuffled batches) and saved in the SAELens layout
/// under --out/sae; a later demo with the same model and settings loads it instead of training.
/// </summary>
internal static class DemoDictionary
{
    private const string IdentityFile = "demo-identity.txt";

    /// <summary>blocks.2.hook_resid_post on the shipped 4-block model (the middle of a smaller one).</summary>
    public static string Hook(CausalLanguageModel model) => HookNames.Block(Math.Min(2, model.Dimensions.Layers - 1), "hook_resid_post");

    public static int Latents(DemoOptions o) => o.Quick ? 256 : 4096;
    public const int K = 32, Batch = 1024;
    /// <summary>Training tokens: a fifth of the 2M the full target uses, so the section stays short (one epoch).</summary>
    public static int Tokens(DemoOptions o) => o.Quick ? 16_384 : 400_000;

    /// <summary>The cached dictionary when its identity matches, else a newly trained one; Cached says which.</summary>
    public static (SparseDictionary Dictionary, bool Cached) LoadOrTrain(CausalLanguageModel model, ITokenizer tokenizer, DemoOptions options, Action<string, double> progress)
    {
        string dir = Path.Combine(options.OutputDirectory, "sae"), hook = Hook(model);
        string identity = $"{Fingerprint.ModelWeights(options.ModelDirectory)}|{options.Corpus}|{hook}|{Latents(options)}|{K}|{Batch}|{Tokens(options)}|{options.Seed}";
        var idPath = Path.Combine(dir, IdentityFile);
        if (File.Exists(idPath) && File.ReadAllText(idPath) == identity) return (SaeLensFormat.Load(dir), true);

        var corpus = Corpus.Open(options.Corpus, options.CacheDirectory);
        using var split = TokenizedCorpus.Build(corpus, tokenizer, TokenizerLoader.Fingerprint(options.ModelDirectory), options.CacheDirectory, () => { });
        var file = split.Train.Count > 0 ? split.Train : split.Validation;
        var source = TokenSource.FromFile(file, $"{corpus.Name}/train@{corpus.Fingerprint[..12]}", 0, Math.Min(file.Count, Tokens(options)));
        string storeDir = Path.Combine(dir, "store");
        try
        {
            var storeOptions = new ActivationStoreOptions { Hooks = [hook], Precision = StorePrecision.Float32, TopK = 1, HistogramBins = 8 };
            ActivationRecorder.Record(model, identity, source, storeDir, storeOptions, m => progress("recording the dictionary's training activations", (double)m.Chunks.Count / m.TotalChunks));
            using var store = ActivationStore.Open(storeDir);
            var rows = ActivationRows.FromStore(store, hook);
            var spec = new DictionaryRunSpec(rows, rows, Latents(options), DictionaryActivation.TopK, K, Batch, Math.Min(rows.Count, Tokens(options)),
                new DictionaryTrainingOptions { Seed = options.Seed }, hook, hook, identity);
            var dictionary = DictionaryRun.Train(spec, Path.Combine(dir, DictionaryCheckpoint.FileName), p => progress("training the dictionary", (double)p.Step / p.Steps));
            SaeLensFormat.Save(dictionary, dir, options.ModelDirectory);
            AtomicFile.WriteAllText(idPath, identity);
            File.Delete(Path.Combine(dir, DictionaryCheckpoint.FileName));   // finished: the saved dictionary is what a later demo loads
            return (dictionary, false);
        }
        finally
        {
            if (Directory.Exists(storeDir)) Directory.Delete(storeDir, recursive: true);
        }
    }
}
