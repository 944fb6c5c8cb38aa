using Interrogate.Cli.Output;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Interrogate.Data.Corpora;
using Interrogate.Features;
using Interrogate.Formats;
using Interrogate.IO;
using Interrogate.Store;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>
/// `interrogate sae train`: records the hook(s) over the corpus's train split into an activation
/// store under --out (resumable), trains the dictionary streaming batches from it (checkpointed,
/// resumable), saves it in the SAELens layout and measures it on held-out tokens (the validation
/// split). With --activations FILE.npy it trains on a user's matrix instead, holding out every 10th
/// block of 128 rows.
/// </summary>
internal static class SaeTrainCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model folder (default: $INTERROGATE_MODEL, else models/sotu-small)" };
        var hook = new Option<string?>("--hook") { Description = "Hook of a sparse autoencoder, e.g. blocks.2.hook_resid_post" };
        var hookIn = new Option<string?>("--hook-in") { Description = "Transcoder input hook, e.g. blocks.2.ln2.hook_normalized" };
        var hookOut = new Option<string?>("--hook-out") { Description = "Transcoder output hook, e.g. blocks.2.hook_mlp_out" };
        var corpus = new Option<string>("--corpus") { Description = "sotu, moby-dick, or a text file / folder", DefaultValueFactory = _ => "sotu" };
        var activations = new Option<string?>("--activations") { Description = "Train on a float32 [N, d] .npy matrix instead of a model hook" };
        var tokens = new Option<long>("--tokens") { Description = "Training tokens (rows); beyond the split's size, further epochs", DefaultValueFactory = _ => 1_000_000 };
        var heldOut = new Option<int>("--held-out-tokens") { Description = "Validation-split tokens for the held-out metrics", DefaultValueFactory = _ => 32_768 };
        var latents = new Option<int>("--latents") { Description = "Dictionary size", DefaultValueFactory = _ => 4096 };
        var k = new Option<int>("--k") { Description = "Active latents per token (TopK)", DefaultValueFactory = _ => 32 };
        var kind = new Option<string>("--activation") { Description = "topk, relu (L1) or jumprelu (L0)", DefaultValueFactory = _ => "topk" };
        var batch = new Option<int>("--batch") { Description = "Tokens per step", DefaultValueFactory = _ => 1024 };
        var lr = new Option<float>("--lr") { Description = "Adam's peak learning rate", DefaultValueFactory = _ => 2e-3f };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up steps", DefaultValueFactory = _ => 100 };
        var l1 = new Option<float>("--l1") { Description = "L1 coefficient (relu)", DefaultValueFactory = _ => 5f };
        var l0 = new Option<float>("--l0") { Description = "L0 coefficient (jumprelu)", DefaultValueFactory = _ => 1e-2f };
        var deadTokens = new Option<long>("--dead-tokens") { Description = "Tokens without firing after which a latent is dead (AuxK)", DefaultValueFactory = _ => 200_000 };
        var init = new Option<string>("--b-dec-init") { Description = "Decoder bias start: median (geometric) or mean", DefaultValueFactory = _ => "median" };
        var randomWeights = new Option<ulong?>("--random-weights") { Description = "Control: the same architecture with random weights from this seed" };
        var output = new Option<string>("--out") { Description = "Output folder (cfg.json, sae_weights.safetensors, training.json, store/)", Required = true };
        var shard = ShardOptions.Shard();
        var (seed, dataDir, json) = (CommonOptions.Seed(), CommonOptions.DataDir(), CommonOptions.Json());
        var command = new Command("train", "Train a sparse autoencoder or transcoder (resumable: run it again to continue)")
        {
            model, hook, hookIn, hookOut, corpus, activations, tokens, heldOut, latents, k, kind, batch, lr, warmup, l1, l0, deadTokens, init,
            randomWeights, output, shard, seed, dataDir, json,
        };
        command.SetAction(parsed =>
        {
            var activation = parsed.GetValue(kind) switch
            {
                "topk" => DictionaryActivation.TopK, "relu" => DictionaryActivation.Relu, "jumprelu" => DictionaryActivation.JumpRelu,
                var s => throw new InputException($"--activation: '{s}' is not topk, relu or jumprelu"),
            };
            foreach (var (v, flag) in new[] { (parsed.GetValue(latents), "--latents"), (parsed.GetValue(batch), "--batch"), (parsed.GetValue(heldOut), "--held-out-tokens") })
                CommonOptions.RequirePositive(v, flag);
            CommonOptions.RequirePositive(parsed.GetValue(lr), "--lr");
            if (activation == DictionaryActivation.TopK && (parsed.GetValue(k) < 1 || parsed.GetValue(k) > parsed.GetValue(latents)))
                throw new InputException($"--k: must be in 1..--latents ({parsed.GetValue(latents)}), got {parsed.GetValue(k)}");
            if (parsed.GetValue(tokens) < parsed.GetValue(batch)) throw new InputException($"--tokens: must be at least one batch ({parsed.GetValue(batch)})");
            if (parsed.GetValue(init) is not ("median" or "mean")) throw new InputException($"--b-dec-init: '{parsed.GetValue(init)}' is not median or mean");
            string outDir = parsed.GetValue(output)!;
            if (File.Exists(outDir)) throw InputException.ForFile(outDir, "is a file; --out needs a folder");
            var options = new DictionaryTrainingOptions
            {
                LearningRate = parsed.GetValue(lr), WarmupSteps = Math.Max(0, parsed.GetValue(warmup)), L1 = parsed.GetValue(l1), L0 = parsed.GetValue(l0),
                DeadTokens = parsed.GetValue(deadTokens), GeometricMedianInit = parsed.GetValue(init) == "median", Seed = parsed.GetValue(seed),
            };
            var clock = Stopwatch.StartNew();
            var shardSpec = ShardOptions.Parse(parsed.GetValue(shard));
            if (shardSpec is not null && parsed.GetValue(activations) is not null)
                throw new InputException("--shard: splits the collection of a model's activations; --activations has nothing to collect");
            var setup = new TrainSetup(parsed.GetValue(latents), activation, parsed.GetValue(k), parsed.GetValue(batch), parsed.GetValue(tokens), options, outDir);
            if (shardSpec is not null)
                return CollectShard(parsed.GetValue(model) ?? ModelOptions.DefaultModelDirectory(), Hooks(parsed.GetValue(hook), parsed.GetValue(hookIn), parsed.GetValue(hookOut)),
                    parsed.GetValue(corpus)!, parsed.GetValue(randomWeights), parsed.GetValue(dataDir), setup, shardSpec, clock, parsed.GetValue(json));
            var result = parsed.GetValue(activations) is { } npy
                ? SaeTraining.FromNpy(npy, setup, parsed.GetValue(hook))
                : SaeTraining.FromModel(parsed.GetValue(model) ?? ModelOptions.DefaultModelDirectory(), Hooks(parsed.GetValue(hook), parsed.GetValue(hookIn), parsed.GetValue(hookOut)),
                    parsed.GetValue(corpus)!, parsed.GetValue(heldOut), parsed.GetValue(randomWeights), parsed.GetValue(dataDir), setup);
            result = result with { Seconds = clock.Elapsed.TotalSeconds };
            AtomicFile.WriteAllText(Path.Combine(outDir, "training.json"), System.Text.Json.JsonSerializer.Serialize(result, SaeReport.JsonOptions));
            if (parsed.GetValue(json)) Terminal.WriteJson(result);
            else SaeReport.PrintTraining(result, outDir);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>`--shard I/N`: collects that part of the training activations only (see <see cref="SaeTraining.CollectShard"/>).</summary>
    private static int CollectShard(string modelDir, (string In, string Out) hooks, string corpus, ulong? randomSeed, string? dataDir, TrainSetup setup,
        Sharding.ShardSpec shard, Stopwatch clock, bool json)
    {
        var m = SaeTraining.CollectShard(modelDir, hooks, corpus, randomSeed, dataDir, setup, shard);
        string store = Path.GetFullPath(SaeTraining.StoreDirectory(setup.OutDir));
        if (json) Terminal.WriteJson(new { shard = shard.ToString(), chunks = m.Chunks.Count, chunk_start = m.ChunkRange.Start, chunk_end = m.ChunkRange.End, total_chunks = m.TotalChunks,
            tokens = m.StoredTokens, store, seconds = clock.Elapsed.TotalSeconds });
        else Terminal.Out.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"shard {shard}: chunks {m.ChunkRange.Start}..{m.ChunkRange.End - 1} of {m.TotalChunks} ({m.StoredTokens:N0} tokens) collected to {store} in {clock.Elapsed.TotalSeconds:F0} s; merge the shards with `interrogate merge`, then run the same command with --out MERGED (no --shard) to train")));
        return ExitCodes.Ok;
    }

    private static (string In, string Out) Hooks(string? hook, string? hookIn, string? hookOut)
    {
        if (hook is not null && (hookIn ?? hookOut) is not null) throw new InputException("--hook: give either --hook (an autoencoder) or --hook-in and --hook-out (a transcoder), not both");
        if (hook is not null) return (hook, hook);
        if (hookIn is null || hookOut is null) throw new InputException("--hook: required (or --hook-in and --hook-out for a transcoder)");
        return (hookIn, hookOut);
    }
}

/// <summary>Settings shared by both data sources of `sae train`.</summary>
internal sealed record TrainSetup(int Latents, DictionaryActivation Activation, int K, int Batch, long Tokens, DictionaryTrainingOptions Options, string OutDir);
