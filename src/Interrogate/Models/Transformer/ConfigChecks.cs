using System.Globalization;
using Interrogate.Formats;

namespace Interrogate.Models.Transformer;

/// <summary>
/// Checks a config.json against its weights header and the machine before any tensor is created:
/// one typo (n_layer 1e9, vocab_size 2³¹−1) must be an error naming the key, not an allocation that
/// takes the machine's memory. Reads only the keys the Hugging Face families share, so it applies
/// to every architecture the loader knows; each family's own reader still checks the rest.
/// </summary>
internal static class ConfigChecks
{
    /// <summary>Families whose untied output layer is stored as lm_head.weight.</summary>
    private static readonly HashSet<string> LmHeadFamilies = new(StringComparer.Ordinal) { "gpt2", "llama" };

    /// <summary>64 MB of float32: below this, building the model first costs nothing worth guarding.</summary>
    private const double SlackWeights = 16 << 20;

    public static void BeforeLoading(ModelDirectory directory, HfConfig config, string modelType)
    {
        int? vocab = config.TryGetPositiveInt("vocab_size");
        int? width = config.TryGetPositiveInt("n_embd", "hidden_size", "d_model");
        int? layers = config.TryGetPositiveInt("n_layer", "num_hidden_layers");
        int? inner = config.TryGetPositiveInt("n_inner", "intermediate_size");
        int? positions = config.TryGetPositiveInt("n_positions", "n_ctx", "max_position_embeddings");
        foreach (var key in new[] { "layer_norm_epsilon", "layer_norm_eps", "rms_norm_eps" })
            if (config.TryGetDouble(key) is double eps && !(eps > 0))
                throw InputException.ForFile(config.Path, $"key '{key}' must be a positive number, got {eps.ToString(CultureInfo.InvariantCulture)}");
        if (vocab is int v)
            foreach (var key in new[] { "bos_token_id", "eos_token_id", "pad_token_id" })
                foreach (var id in config.TryGetIntList(key) ?? [])
                    if (id < 0 || id >= v)
                        throw InputException.ForFile(config.Path, $"key '{key}' is {id}, outside the vocabulary (vocab_size {v}: ids 0..{v - 1})");

        // A lower bound on the parameters every family here has: the token embedding, and per layer
        // two d×d attention projections (query, output) and two d×inner MLP matrices.
        double d = width ?? 1, l = layers ?? 1;
        double atLeast = (double)(vocab ?? 1) * d + l * (2 * d * d + 2 * d * (inner ?? 0));
        using (var weights = directory.OpenWeights())
        {
            double stored = weights.Names.Sum(n => (double)weights.GetInfo(n).ElementCount);
            // Small contradictions are left to the architecture's loader, whose message names the tensor
            // and both shapes; only a config that would allocate far more than the file holds stops here.
            if (atLeast > 2 * stored + SlackWeights)
                throw InputException.ForFile(config.Path, $"{Describe(vocab, width, layers, inner)} call for at least {Count(atLeast)} weights, " +
                    $"but {Path.GetFileName(directory.WeightsPath)} holds {Count(stored)}; the config does not describe these weights");
            if (LmHeadFamilies.Contains(modelType) && config.TryGetBool("tie_word_embeddings") == false && !weights.Contains("lm_head.weight"))
                throw InputException.ForFile(config.Path, $"tie_word_embeddings is false but {Path.GetFileName(directory.WeightsPath)} has no 'lm_head.weight'; set it to true or add the output layer");
        }

        double bytes = 4 * (atLeast + (double)(positions ?? 0) * d);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available)
            throw InputException.ForFile(config.Path, $"the model needs at least {Gib(bytes)} of memory as float32, more than the {Gib(available)} available");
    }

    private static string Describe(int? vocab, int? width, int? layers, int? inner) =>
        string.Join(", ", new[] { ("vocab_size", vocab), ("width", width), ("layers", layers), ("inner", inner) }
            .Where(p => p.Item2 is not null).Select(p => $"{p.Item1} {p.Item2}"));

    private static string Count(double n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Gib(double bytes) => $"{(bytes / (1L << 30)).ToString("F1", CultureInfo.InvariantCulture)} GiB";
}
