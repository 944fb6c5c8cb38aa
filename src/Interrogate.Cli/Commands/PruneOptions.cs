using System.CommandLine;
using Interrogate.Analysis.Importance;
using Interrogate.Analysis.Pruning;
using Interrogate.Subjects;

namespace Interrogate.Cli.Commands;

/// <summary>The data options `prune` and `prune compare` share, and how a pruned model folder is written.</summary>
internal sealed class PruneOptions
{
    private readonly Option<string> corpus = new("--corpus") { Description = "Corpus for language models: sotu, moby-dick or a folder", DefaultValueFactory = _ => "sotu" };
    private readonly Option<int> tokens = new("--tokens") { Description = "Evaluation tokens (validation split) every loss is measured on", DefaultValueFactory = _ => 16_384 };
    private readonly Option<int> calibration = new("--calibration-tokens") { Description = "Calibration tokens (train split) importance is measured on", DefaultValueFactory = _ => 2_048 };
    private readonly Option<int> validation = new("--validation")
    {
        Description = "MNIST only: hold out the last N of the 8,000 training digits and report on them instead of the test digits (choose settings " +
            "without looking at the test set; the model must come from `train mnist --validation N`)",
        DefaultValueFactory = _ => 0,
    };
    private readonly Option<bool> shuffle = new("--shuffle")
    {
        Description = "MNIST only: fine-tune on epoch-shuffled batches (each training digit once per epoch, as `train mnist` does) instead of random draws with replacement",
    };
    private readonly Option<ulong> seed = CommonOptions.Seed();
    private readonly Option<string?> dataDir = CommonOptions.DataDir();

    public static PruneOptions Data() => new();

    public static Option<string> Screen() => new("--screen")
    {
        Description = "none, or atp: the ablation method measures the exact Δloss only of the neurons attribution patching estimates to matter least " +
            "(--screen-factor times as many as it removes); what is removed and every reported loss still come from exact measurements",
        DefaultValueFactory = _ => "none",
    };

    public static Option<double> ScreenFactor() => new("--screen-factor")
    {
        Description = "With --screen atp: the shortlist's size as a multiple of the units removed from each layer (at least 1)",
        DefaultValueFactory = _ => ScreenedAblationMethod.DefaultFactor,
    };

    public static PruningScreen ReadScreen(string text) => PruningChoices.Parse<PruningScreen>(text, "--screen", "screen");

    /// <summary>One line per screened layer: measured units and AtP's rank agreement with the exact Δloss.</summary>
    public static string DescribeScreening(ScreeningLayer layer) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"screened by AtP: {layer.Layer}: {layer.Measured} of {layer.Units} units mean-ablated exactly; Spearman ρ(AtP, exact) over them {layer.Spearman:0.000}");

    public IEnumerable<Option> All => [corpus, tokens, calibration, validation, shuffle, seed, dataDir];

    public PruningDataOptions Read(ParseResult parsed)
    {
        int t = parsed.GetValue(tokens), c = parsed.GetValue(calibration), v = parsed.GetValue(validation);
        if (v < 0) throw new InputException($"--validation: {v} must be zero (use the test digits) or a positive number of held-out digits");
        CommonOptions.RequirePositive(t, "--tokens");
        CommonOptions.RequirePositive(c, "--calibration-tokens");
        return new PruningDataOptions
        {
            Corpus = parsed.GetValue(corpus)!, Tokens = t, CalibrationTokens = c, ValidationImages = v, EpochShuffle = parsed.GetValue(shuffle), Seed = parsed.GetValue(seed), CacheDirectory = parsed.GetValue(dataDir),
        };
    }

    public static bool SameFolder(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);

    /// <summary>
    /// Writes the model into a fresh sibling folder, copies the tokenizer files, then moves every file into
    /// <paramref name="outDir"/> (config.json last), so a reader never sees weights and a config that disagree.
    /// Language models are padded back to one MLP width (a standard config.json) unless <paramref name="perLayerWidths"/>.
    /// </summary>
    public static void SaveModel(Subject network, IReadOnlyList<string> filesToCopy, string outDir, bool perLayerWidths = false)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outDir));
        var staging = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            network.Save(staging, perLayerWidths);
            foreach (var f in filesToCopy) File.Copy(f, Path.Combine(staging, Path.GetFileName(f)));
            Directory.CreateDirectory(full);
            foreach (var f in Directory.GetFiles(staging).OrderBy(f => Path.GetFileName(f) == "config.json"))
                File.Move(f, Path.Combine(full, Path.GetFileName(f)), overwrite: true);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    public static long WeightsBytes(string directory)
    {
        var path = Path.Combine(directory, "model.safetensors");
        return File.Exists(path) ? new FileInfo(path).Length : 0;
    }
}
