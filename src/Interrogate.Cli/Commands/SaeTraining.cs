using System.Diagnostics;
using System.Globalization;
using Interrogate.Data.Corpora;
using Interrogate.Features;
using Interrogate.Formats;
using Interrogate.Sharding;
using Interrogate.Store;

namespace Interrogate.Cli.Commands;

/// <summary>Held-out measurements of a dictionary, as `sae train` and `sae eval` print and save them.</summary>
internal sealed record SaeMeasurement(long Rows, double VarianceExplained, double MeanL0, int Dead, double DeadFraction, int Dense,
    DensityBin[] DensityHistogram, SpliceLosses? Losses)
{
    public double? LossRecoveredVersusZero => Losses?.RecoveredVersusZero;
    public double? LossRecoveredVersusMean => Losses?.RecoveredVersusMean;

    public static SaeMeasurement From(DictionaryQuality q, SpliceLosses? losses, int latents) =>
        new(q.Rows, q.VarianceExplained, q.MeanL0, q.Dead, (double)q.Dead / latents, q.Dense, q.DensityHistogram(), losses);
}

/// <summary>What `sae train` did and measured (saved as training.json).</summary>
internal sealed record SaeTrainingResult(string Source, string HookIn, string HookOut, string Activation, int Latents, int K, int Batch,
    long Tokens, long Steps, long CollectedRows, bool Resumed, double CollectionSeconds, double TrainingSeconds, double TrainingTokensPerSecond,
    ulong? RandomWeightsSeed, SaeMeasurement HeldOut)
{
    public double Seconds { get; init; }
}

/// <summary>The two data sources of `sae train`: a model's hooks over a corpus (through the activation store), or a .npy matrix.</summary>
internal static class SaeTraining
{
    public static SaeTrainingResult FromModel(string modelDir, (string In, string Out) hooks, string corpus, int heldOutTokens, ulong? randomSeed, string? dataDir, TrainSetup s)
    {
        var (lm, identity, trainId, clock, manifest) = Collect(modelDir, hooks, corpus, randomSeed, dataDir, s, shard: null);
        double collection = clock.Elapsed.TotalSeconds;
        using var store = ActivationStore.Open(StoreDirectory(s.OutDir));
        var inputs = ActivationRows.FromStore(store, hooks.In);
        var targets = hooks.In == hooks.Out ? inputs : ActivationRows.FromStore(store, hooks.Out);
        var spec = new DictionaryRunSpec(inputs, targets, s.Latents, s.Activation, s.K, s.Batch, s.Tokens, s.Options, hooks.In, hooks.Out, $"{identity}|{trainId}|{hooks.In}->{hooks.Out}");
        var (dict, resumed, trainSeconds) = Train(spec, s.OutDir);
        SaeLensFormat.Save(dict, s.OutDir, identity);

        var (validFile, _, owner2) = SaeCommand.Tokens(modelDir, corpus, CorpusSplit.Validation, dataDir);
        using var __ = owner2;
        var measured = SaeMeasure.OnModel(lm, dict, SaeCommand.ReadTokens(validFile, heldOutTokens));
        return new SaeTrainingResult(identity, hooks.In, hooks.Out, s.Activation.ToString(), s.Latents, s.K, s.Batch, s.Tokens, spec.Steps,
            manifest.StoredTokens, resumed, collection, trainSeconds, spec.Steps * s.Batch / Math.Max(1e-9, trainSeconds), randomSeed, measured);
    }

    /// <summary>
    /// `sae train --shard I/N`: collects only shard I of the training store into OUT/store and stops.
    /// `interrogate merge` joins the parts (<see cref="SaeCollectionShardMerger"/>) into the store one
    /// process collects, and the same command with --out MERGED (no --shard) then trains on it.
    /// </summary>
    public static ActivationManifest CollectShard(string modelDir, (string In, string Out) hooks, string corpus, ulong? randomSeed, string? dataDir, TrainSetup s, ShardSpec shard) =>
        Collect(modelDir, hooks, corpus, randomSeed, dataDir, s, shard).Manifest;

    /// <summary>Where `sae train` keeps the activations it trains on, under its --out.</summary>
    public static string StoreDirectory(string outDir) => Path.Combine(outDir, "store");

    /// <summary>Records the hook(s) over at most one epoch of the train split into OUT/store (resumes a partial or merged store; one shard of it with <paramref name="shard"/>).</summary>
    private static (Models.Transformer.CausalLanguageModel Model, string Identity, string TrainId, Stopwatch Clock, ActivationManifest Manifest) Collect(
        string modelDir, (string In, string Out) hooks, string corpus, ulong? randomSeed, string? dataDir, TrainSetup s, ShardSpec? shard)
    {
        var lm = SaeCommand.LoadModel(modelDir, randomSeed);
        var known = lm.DescribeHookPoints(1, 1).Select(h => h.Name).ToHashSet();
        foreach (var h in new[] { hooks.In, hooks.Out }.Distinct())
            if (!known.Contains(h)) throw new InputException($"--hook {h}: the model has no such hook point (see `interrogate hooks`)");
        string identity = SaeCommand.ModelIdentity(modelDir, randomSeed);
        var (trainFile, trainId, owner) = SaeCommand.Tokens(modelDir, corpus, CorpusSplit.Train, dataDir);
        using var _ = owner;
        // Record at most one epoch: later epochs stream the same rows again in another order.
        var source = TokenSource.FromFile(trainFile, trainId, 0, Math.Min(trainFile.Count, s.Tokens));
        var clock = Stopwatch.StartNew();
        var hookList = new[] { hooks.In, hooks.Out }.Distinct().ToList();
        var options = new ActivationStoreOptions { Hooks = hookList, Precision = StorePrecision.Float32, TopK = 1, HistogramBins = 8, Shard = shard };
        var manifest = ActivationRecorder.Record(lm, identity, source, StoreDirectory(s.OutDir), options,
            m => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"collecting {hookList.Count} hook(s){(m.Shard is { } part ? $" (shard {part})" : "")}: chunk {m.Chunks.Count}/{m.ChunkRange.End - m.ChunkRange.Start}, {m.StoredTokens:N0} tokens")));
        return (lm, identity, trainId, clock, manifest);
    }

    public static SaeTrainingResult FromNpy(string path, TrainSetup s, string? hook)
    {
        using var file = NpyFile.Open(path);
        var all = ActivationRows.FromNpy(file);
        var train = ActivationRows.Split(all, 128, 10, heldOut: false);
        var heldOut = ActivationRows.Split(all, 128, 10, heldOut: true);
        if (heldOut.Count == 0) throw InputException.ForFile(path, $"has {file.Rows} rows; at least 1,280 are needed to hold out a block of 128");
        string name = hook ?? "activations";
        var spec = new DictionaryRunSpec(train, train, s.Latents, s.Activation, s.K, s.Batch, s.Tokens, s.Options, name, name,
            $"{Path.GetFullPath(path)}@{new FileInfo(path).Length}:{File.GetLastWriteTimeUtc(path).Ticks}");
        var (dict, resumed, trainSeconds) = Train(spec, s.OutDir);
        SaeLensFormat.Save(dict, s.OutDir, "");
        var quality = DictionaryEvaluation.Measure(dict, heldOut, heldOut);
        return new SaeTrainingResult(Path.GetFullPath(path), name, name, s.Activation.ToString(), s.Latents, s.K, s.Batch, s.Tokens, spec.Steps,
            file.Rows, resumed, 0, trainSeconds, spec.Steps * s.Batch / Math.Max(1e-9, trainSeconds), null, SaeMeasurement.From(quality, null, dict.Latents));
    }

    private static (SparseDictionary, bool, double) Train(DictionaryRunSpec spec, string outDir)
    {
        var clock = Stopwatch.StartNew();
        var lastPrint = Stopwatch.StartNew();
        string checkpoint = Path.Combine(outDir, DictionaryCheckpoint.FileName);
        bool resumed = File.Exists(checkpoint);   // one of another run is refused by DictionaryRun
        var dict = DictionaryRun.Train(spec, checkpoint, p =>
        {
            if (lastPrint.Elapsed.TotalSeconds < 2 && p.Step != p.Steps) return;
            lastPrint.Restart();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"training: step {p.Step}/{p.Steps}, {p.TokensPerSecond:N0} tokens/s, FVU {p.Last.Fvu:F4}, L0 {p.Last.MeanL0:F1}, dead {p.Last.Dead}{(p.Resumed ? " (resumed)" : "")}"));
        });
        return (dict, resumed, clock.Elapsed.TotalSeconds);
    }
}
