using System.Text.Json.Nodes;

namespace Interrogate.Tests.Fuzz;

public sealed partial class FuzzCampaign
{
    /// <summary>Healthy runs of the commands below that have no model-folder control: each case differs from one of these by one thing.</summary>
    private IEnumerable<(string Name, string[] Args)> OtherControls(string root)
    {
        yield return ("merge", ["merge", f.Shards[0], f.Shards[1], "--out", Path.Combine(root, "merged")]);
        yield return ("slurm --dry-run", SlurmArgs(Path.Combine(root, "slurm-out")));
        yield return ("sae train --activations", SaeNpyArgs(f.Npy, Path.Combine(root, "sae-npy")));
        yield return ("train gpt --resume", [.. f.TrainArgs(Damage.CopyFolder(f.Trained, Path.Combine(root, "resumed")), 2), "--resume"]);
    }

    private string[] SlurmArgs(string output) =>
        ["slurm", "--shards", "2", "--dry-run", "activations", "record", "--model", f.Gpt, "--corpus", f.Corpus, "--tokens", "64", "--out", output];

    private static string[] SaeNpyArgs(string npy, string output) =>
        ["sae", "train", "--activations", npy, "--latents", "8", "--k", "2", "--batch", "64", "--tokens", "128", "--warmup", "1", "--out", output];

    /// <summary>A byte changed in the middle of a file: same length, same header, different content.</summary>
    private static void Nudge(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2 + 3]++;
        File.WriteAllBytes(path, bytes);
    }

    private static void Truncate(string path, double keep)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keep)]);
    }

    private static void Fifo(string path)
    {
        if (!Damage.MakeFifo(path)) File.WriteAllBytes(path, []);
    }

    /// <summary>`sae eval` on damaged dictionaries and controls, `sae train` on damaged .npy matrices and bad flags.</summary>
    private IEnumerable<FuzzCase> SaeCases()
    {
        const string Cfg = "cfg.json", SaeWeights = "sae_weights.safetensors";
        var damages = new List<(string Name, string Mentions, Action<string> Apply)>
        {
            ("cfg.json truncated", Cfg, s => Truncate(Path.Combine(s, Cfg), 0.5)),
            ("cfg.json a JSON array", Cfg, s => File.WriteAllText(Path.Combine(s, Cfg), "[]")),
            ("cfg.json missing", Cfg, s => File.Delete(Path.Combine(s, Cfg))),
            ("cfg.json a FIFO", Cfg, s => Fifo(Path.Combine(s, Cfg))),
            ("cfg.json d_in 999", Cfg, s => EditJson(Path.Combine(s, Cfg), c => c["d_in"] = 999)),
            ("cfg.json d_sae 1e9", Cfg, s => EditJson(Path.Combine(s, Cfg), c => c["d_sae"] = 1_000_000_000)),
            ("cfg.json d_in as a string", Cfg, s => EditJson(Path.Combine(s, Cfg), c => c["d_in"] = "16")),
            ("cfg.json k 0", Cfg, s => EditJson(Path.Combine(s, Cfg), c => c["k"] = 0)),
            ("cfg.json k past d_sae", Cfg, s => EditJson(Path.Combine(s, Cfg), c => c["k"] = 99)),
            ("cfg.json unknown hook", Cfg, s => EditJson(Path.Combine(s, Cfg), c => c["hook_name"] = "blocks.9.hook_nothing")),
            ("sae weights truncated", SaeWeights, s => Truncate(Path.Combine(s, SaeWeights), 0.7)),
            ("sae weights header 3 short", SaeWeights, s => { var p = Path.Combine(s, SaeWeights); var (h, d) = Damage.SplitSafetensors(File.ReadAllBytes(p)); File.WriteAllBytes(p, Damage.JoinSafetensors(h, d, h.Length - 3)); }),
            ("sae weights garbage", SaeWeights, s => File.WriteAllBytes(Path.Combine(s, SaeWeights), Damage.RandomBytes(new Random(7), 900))),
            ("sae weights missing", SaeWeights, s => File.Delete(Path.Combine(s, SaeWeights))),
            ("sae weights a directory", SaeWeights, s => { File.Delete(Path.Combine(s, SaeWeights)); Directory.CreateDirectory(Path.Combine(s, SaeWeights)); }),
            ("sae weights a FIFO", SaeWeights, s => Fifo(Path.Combine(s, SaeWeights))),
            ("sae weights hold NaN", SaeWeights, s => { var p = Path.Combine(s, SaeWeights); File.WriteAllBytes(p, Damage.PlantNonFinite(File.ReadAllBytes(p), new Random(3), float.NaN, out _)); }),
        };
        var eval = ModelCommands().First(c => c.Name == "sae eval");
        foreach (var (name, mentions, apply) in damages)
            yield return new("sae", $"sae eval --sae {name}", d =>
            {
                var sae = Damage.CopyFolder(f.Sae, Path.Combine(d, "sae"));
                apply(sae);
                return new FuzzSpec([.. Replace(eval.Args(f.Gpt, d), "--sae", sae)], mentions);
            });

        var controls = new (string Name, string Mentions, Action<string> Apply)[]
        {
            ("a missing folder", "control", c => Directory.Delete(c, recursive: true)),
            ("without training.json", "control", c => File.Delete(Path.Combine(c, "training.json"))),
            ("training.json truncated", "training.json", c => Truncate(Path.Combine(c, "training.json"), 0.4)),
            ("not trained with --random-weights", "training.json", c => File.WriteAllText(Path.Combine(c, "training.json"), "{}")),
        };
        foreach (var (name, mentions, apply) in controls)
            yield return new("sae", $"sae eval --control {name}", d =>
            {
                var control = Damage.CopyFolder(f.Sae, Path.Combine(d, "control"));
                apply(control);
                return new FuzzSpec([.. eval.Args(f.Gpt, d), "--control", control], mentions);
            });

        var matrices = new (string Name, Action<string> Apply)[]
        {
            ("truncated", p => Truncate(p, 0.6)),
            ("garbage", p => File.WriteAllBytes(p, Damage.RandomBytes(new Random(5), 4000))),
            ("float64 header over float32 data", p => ReplaceBytes(p, "'<f4'", "'<f8'")),
            ("one-dimensional", p => ReplaceBytes(p, "(2048, 16)", "(32768,)")),
            ("more rows than data", p => ReplaceBytes(p, "(2048, 16)", "(9999, 16)")),
            ("empty", p => File.WriteAllBytes(p, [])),
            ("a directory", p => { File.Delete(p); Directory.CreateDirectory(p); }),
            ("a FIFO", Fifo),
            ("missing", File.Delete),
        };
        foreach (var (name, apply) in matrices)
            yield return new("sae", $"sae train --activations {name}", d =>
            {
                var npy = Path.Combine(d, "acts.npy");
                File.Copy(f.Npy, npy);
                apply(npy);
                return new FuzzSpec(SaeNpyArgs(npy, Path.Combine(d, "out")), "acts.npy", Path.Combine(d, "out"));
            });

        var train = ModelCommands().First(c => c.Name == "sae train");
        (string Flag, string[] Values)[] flags =
        [
            ("--latents", ["0", "-4"]), ("--k", ["0", "99"]), ("--batch", ["0"]), ("--lr", ["-1", "0"]), ("--activation", ["foo"]),
            ("--b-dec-init", ["foo"]), ("--tokens", ["1"]), ("--held-out-tokens", ["0"]), ("--hook", ["blocks.9.hook_nothing"]),
        ];
        foreach (var (flag, values) in flags)
            foreach (var value in values)
                yield return new("sae", $"sae train {flag} {value}", d =>
                    new FuzzSpec([.. Replace(train.Args(f.Gpt, d), flag, value)], flag, Path.Combine(d, "out")));
        yield return new("sae", "sae eval --tokens 0", d => new FuzzSpec([.. Replace(eval.Args(f.Gpt, d), "--tokens", "0")], "--tokens"));
        yield return new("sae", "sae train --out an existing file", d =>
        {
            var output = Path.Combine(d, "taken");
            File.WriteAllText(output, "keep me");
            return new FuzzSpec([.. Replace(train.Args(f.Gpt, d), "--out", output)], "--out", output);
        });
    }

    /// <summary>`merge` of two activation-store shards, one file of the second damaged, and shard lists that do not add up.</summary>
    private IEnumerable<FuzzCase> MergeCases()
    {
        var files = Directory.GetFiles(f.Shards[1]).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToList();
        foreach (var file in files)
        {
            double keep = rng.NextDouble() * 0.9;
            int seedBytes = rng.Next();
            var damages = new (string Name, Action<string> Apply)[]
            {
                ($"truncated to {keep:P0}", p => Truncate(p, keep)),
                ("garbage of the same length", p => File.WriteAllBytes(p, Damage.RandomBytes(new Random(seedBytes), (int)new FileInfo(p).Length))),
                ("one byte changed", Nudge),
                ("deleted", File.Delete),
            };
            foreach (var (name, apply) in damages)
            {
                if (file == "manifest.json" && name == "one byte changed") continue;   // may stay valid JSON with the same meaning
                yield return new("merge", $"merge: shard 1 {file} {name}", d =>
                {
                    var (s0, s1) = (Damage.CopyFolder(f.Shards[0], Path.Combine(d, "s0")), Damage.CopyFolder(f.Shards[1], Path.Combine(d, "s1")));
                    apply(Path.Combine(s1, file));
                    var output = Path.Combine(d, "merged");
                    // A deleted manifest makes the folder no shard at all: the error names the folder.
                    return new FuzzSpec(["merge", s0, s1, "--out", output], file == "manifest.json" && name == "deleted" ? "s1" : file, output);
                });
            }
        }
        yield return new("merge", "merge: one shard of two", d => new FuzzSpec(["merge", f.Shards[0], "--out", Path.Combine(d, "merged")], "shard", Path.Combine(d, "merged")));
        yield return new("merge", "merge: the same shard twice", d => new FuzzSpec(["merge", f.Shards[0], f.Shards[0], "--out", Path.Combine(d, "merged")], f.Shards[0], Path.Combine(d, "merged")));
        yield return new("merge", "merge: a missing folder", d => new FuzzSpec(["merge", f.Shards[0], Path.Combine(d, "nope"), "--out", Path.Combine(d, "merged")], "nope", Path.Combine(d, "merged")));
        yield return new("merge", "merge: a folder that is no shard", d => new FuzzSpec(["merge", f.Shards[0], f.Corpus, "--out", Path.Combine(d, "merged")], f.Corpus, Path.Combine(d, "merged")));
        yield return new("merge", "merge: a whole store, not a shard", d => new FuzzSpec(["merge", f.Store, f.Shards[1], "--out", Path.Combine(d, "merged")], f.Store, Path.Combine(d, "merged")));
        yield return new("merge", "merge --out an existing file", d =>
        {
            var output = Path.Combine(d, "taken");
            File.WriteAllText(output, "keep me");
            return new FuzzSpec(["merge", f.Shards[0], f.Shards[1], "--out", output], "--out", output);
        });
        yield return new("merge", "merge --out inside a shard", d =>
        {
            var s0 = Damage.CopyFolder(f.Shards[0], Path.Combine(d, "s0"));
            var output = Path.Combine(s0, "merged");
            return new FuzzSpec(["merge", s0, f.Shards[1], "--out", output], "--out", output);
        });
        yield return new("merge", "merge --out under /proc", _ => new FuzzSpec(["merge", f.Shards[0], f.Shards[1], "--out", "/proc/interrogate-fuzz/merged"], "--out"));
    }

    /// <summary>`slurm --dry-run` with bad counts, jobs that cannot be sharded, and unusable outputs (nothing is submitted).</summary>
    private IEnumerable<FuzzCase> SlurmCases()
    {
        (string Name, Func<string, string[]> Args, string Mentions)[] cases =
        [
            ("--shards 0", d => [.. Replace(SlurmArgs(Path.Combine(d, "out")), "--shards", "0")], "--shards"),
            ("--shards -2", d => [.. Replace(SlurmArgs(Path.Combine(d, "out")), "--shards", "-2")], "--shards"),
            ("--cpus 0", d => [.. SlurmArgs(Path.Combine(d, "out")), "--cpus", "0"], "--cpus"),
            ("a job that cannot be sharded", d => ["slurm", "--shards", "2", "--dry-run", "loss", "--model", f.Gpt, "--text", f.TextFile, "--out", Path.Combine(d, "out")], "'loss"),
            ("a job without --out", d => [.. SlurmArgs(Path.Combine(d, "out")).SkipLast(2)], "--out"),
            ("a job with its own --shard", d => [.. SlurmArgs(Path.Combine(d, "out")), "--shard", "0/2"], "--shard"),
            ("--out an existing file", d => { var p = Path.Combine(d, "out"); File.WriteAllText(p, "keep me"); return SlurmArgs(p); }, "--out"),
            ("--out under a file", d => { var p = Path.Combine(d, "file"); File.WriteAllText(p, "keep me"); return SlurmArgs(Path.Combine(p, "out")); }, "--out"),
            ("--out under /proc", _ => SlurmArgs("/proc/interrogate-fuzz/out"), "--out"),
        ];
        foreach (var (name, args, mentions) in cases)
            yield return new("slurm", $"slurm {name}", d => new FuzzSpec(args(d), mentions, Path.Combine(d, "out")));
    }

    /// <summary>`serve` with inputs it cannot serve: refused before it listens (a damaged store inside a readable folder is shown as a problem on its page instead).</summary>
    private IEnumerable<FuzzCase> ServeCases()
    {
        (string Name, Func<string, string[]> Args, string Mentions)[] cases =
        [
            ("--store a missing folder", d => ["serve", "--store", Path.Combine(d, "nope"), "--port", "0"], "nope"),
            ("--store a file", d => ["serve", "--store", f.TextFile, "--port", "0"], f.TextFile),
            ("--results a missing folder", d => ["serve", "--results", Path.Combine(d, "nope"), "--port", "0"], "nope"),
            ("--model a missing folder", d => ["serve", "--model", Path.Combine(d, "nope"), "--port", "0"], "nope"),
            ("--port -1", _ => ["serve", "--model", f.Gpt, "--port", "-1"], "--port"),
            ("--port 70000", _ => ["serve", "--model", f.Gpt, "--port", "70000"], "--port"),
            ("--port abc", _ => ["serve", "--model", f.Gpt, "--port", "abc"], "--port"),
        ];
        foreach (var (name, args, mentions) in cases)
            yield return new("serve", $"serve {name}", d => new FuzzSpec(args(d), mentions));

        // A model folder named with --model is checked at start (the viewer loads it lazily, later).
        var damages = new (string Name, string Mentions, Action<string> Apply)[]
        {
            ("config truncated", Config, m => Truncate(Path.Combine(m, Config), 0.5)),
            ("config n_layer 1e9", Config, m => EditJson(Path.Combine(m, Config), c => c["n_layer"] = 1_000_000_000)),
            ("weights truncated", Weights, m => Truncate(Path.Combine(m, Weights), 0.5)),
            ("weights header 2 short", Weights, m => { var p = Path.Combine(m, Weights); var (h, d) = Damage.SplitSafetensors(File.ReadAllBytes(p)); File.WriteAllBytes(p, Damage.JoinSafetensors(h, d, h.Length - 2)); }),
            ("weights a FIFO", Weights, m => Fifo(Path.Combine(m, Weights))),
            ("tokenizer merges as an object", Tokenizer, m => EditJson(Path.Combine(m, Tokenizer), t => t["model"]!["merges"] = new JsonObject { ["a"] = "b" })),
        };
        foreach (var (name, mentions, apply) in damages)
            yield return new("serve", $"serve --model {name}", d =>
            {
                var model = Damage.CopyFolder(f.Gpt, Path.Combine(d, "model"));
                apply(model);
                return new FuzzSpec(["serve", "--model", model, "--port", "0"], mentions);
            });
    }

    /// <summary>`eval mnist` on damaged MLP, conv and recurrent folders: refused while loading, before any data is read.</summary>
    private IEnumerable<FuzzCase> ClassifierCases()
    {
        var folders = new (string Kind, string Folder, string SizeKey, JsonNode Size)[]
        {
            ("mlp", f.Mlp, "hidden_sizes", new JsonArray(1_000_000_000)),
            ("conv", f.Conv, "channels", new JsonArray(1_000_000_000)),
            ("rnn", f.Rnn, "hidden_size", JsonValue.Create(1_000_000_000)),
        };
        foreach (var (kind, folder, sizeKey, size) in folders)
        {
            var damages = new (string Name, string Mentions, Action<string> Apply)[]
            {
                ("weights truncated", Weights, m => Truncate(Path.Combine(m, Weights), 0.8)),
                ("weights header 2 short", Weights, m => { var p = Path.Combine(m, Weights); var (h, d) = Damage.SplitSafetensors(File.ReadAllBytes(p)); File.WriteAllBytes(p, Damage.JoinSafetensors(h, d, h.Length - 2)); }),
                ("weights 3 trailing bytes", Weights, m => File.AppendAllText(Path.Combine(m, Weights), "xyz")),
                ("weights garbage", Weights, m => File.WriteAllBytes(Path.Combine(m, Weights), Damage.RandomBytes(new Random(9), 2000))),
                ("weights hold NaN", Weights, m => { var p = Path.Combine(m, Weights); File.WriteAllBytes(p, Damage.PlantNonFinite(File.ReadAllBytes(p), new Random(4), float.NaN, out _)); }),
                ("weights a FIFO", Weights, m => Fifo(Path.Combine(m, Weights))),
                ($"config {sizeKey} 1e9", Config, m => EditJson(Path.Combine(m, Config), c => c[sizeKey] = size.DeepClone())),
                ("config truncated", Config, m => Truncate(Path.Combine(m, Config), 0.5)),
                ("config unknown model_type", Config, m => EditJson(Path.Combine(m, Config), c => c["model_type"] = "interrogate-quantum")),
                ("config missing", Config, m => File.Delete(Path.Combine(m, Config))),
            };
            foreach (var (name, mentions, apply) in damages)
                yield return new("classifier", $"eval mnist ({kind}): {name}", d =>
                {
                    var model = Damage.CopyFolder(folder, Path.Combine(d, "model"));
                    apply(model);
                    return new FuzzSpec(["eval", "mnist", "--model", model], mentions);
                });
        }
    }

    /// <summary>`experiment` with damaged specs, and default outputs (beside the spec) that cannot be written: refused before any data is read.</summary>
    private IEnumerable<FuzzCase> ExperimentCases()
    {
        var damages = new (string Name, string Mentions, Action<string> Apply)[]
        {
            ("spec truncated", "spec.json", p => Truncate(p, 0.5)),
            ("spec a JSON array", "spec.json", p => File.WriteAllText(p, "[]")),
            ("spec missing", "spec.json", File.Delete),
            ("spec a FIFO", "spec.json", Fifo),
            ("spec seeds as a string", "spec.json", p => EditJson(p, s => s["seeds"] = "0")),
            ("spec unknown dataset", "spec.json", p => EditJson(p, s => s["dataset"] = "imagenet")),
            ("default report path a folder", "--report", p => Directory.CreateDirectory(Path.ChangeExtension(p, ".html"))),
            ("default database path a folder", "--db", p => Directory.CreateDirectory(Path.ChangeExtension(p, ".sqlite"))),
        };
        foreach (var (name, mentions, apply) in damages)
            yield return new("experiment", $"experiment: {name}", d =>
            {
                var spec = Path.Combine(d, "spec.json");
                File.Copy(f.Spec, spec);
                apply(spec);
                return new FuzzSpec(["experiment", "--spec", spec], mentions);
            });
        yield return new("experiment", "experiment --out under /proc", d =>
        {
            var spec = Path.Combine(d, "spec.json");
            File.Copy(f.Spec, spec);
            return new FuzzSpec(["experiment", "--spec", spec, "--out", "/proc/interrogate-fuzz/exp"], "--out");
        });
    }

    private static void EditJson(string path, Action<JsonObject> edit)
    {
        var json = Damage.ReadJson(path);
        edit(json);
        Damage.WriteJson(path, json);
    }

    /// <summary>Replaces an ASCII run of the same length (so offsets stay) in a binary file.</summary>
    private static void ReplaceBytes(string path, string from, string to)
    {
        var text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(path));
        if (!text.Contains(from, StringComparison.Ordinal)) throw new InvalidOperationException($"{path}: no '{from}' to replace");
        File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes(text.Replace(from, to.PadRight(from.Length), StringComparison.Ordinal)));
    }
}
