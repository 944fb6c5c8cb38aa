using System.Text.Json.Nodes;

namespace Interrogate.Tests.Fuzz;

public sealed partial class FuzzCampaign
{
    private IEnumerable<(string Name, string[] Args)> StoreCommands(string store) =>
    [
        ("activations stats", ["activations", "stats", "--store", store]),
        ("activations top", ["activations", "top", "--store", store, "--hook", FuzzFixture.Hook, "--neuron", "3", "--model", f.Gpt]),
        ("activations explain", ["activations", "explain", "--store", store, "--hook", FuzzFixture.Hook, "--neuron", "3", "--model", f.Gpt]),
    ];

    /// <summary>Activation stores with truncated, garbage, extended or missing files, an unfinished recording, and bad flags.</summary>
    private IEnumerable<FuzzCase> StoreCases()
    {
        var files = Directory.GetFiles(f.Store).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var damages = new List<(string Name, string Mentions, Action<string> Apply)>();
        foreach (var file in files)
        {
            double keep = rng.NextDouble() * 0.9;
            int seedBytes = rng.Next();
            damages.Add(($"{file} truncated to {keep:P0}", file!, s => { var p = Path.Combine(s, file!); var b = File.ReadAllBytes(p); File.WriteAllBytes(p, b[..(int)(b.Length * keep)]); }));
            damages.Add(($"{file} garbage of the same length", file!, s => { var p = Path.Combine(s, file!); File.WriteAllBytes(p, Damage.RandomBytes(new Random(seedBytes), (int)new FileInfo(p).Length)); }));
            damages.Add(($"{file} with 7 bytes appended", file!, s => { var p = Path.Combine(s, file!); File.AppendAllText(p, "garbage"); }));
            damages.Add(($"{file} deleted", file!, s => File.Delete(Path.Combine(s, file!))));
        }
        damages.Add(("recording unfinished", "--partial", s =>
        {
            var p = Path.Combine(s, "manifest.json");
            var m = Damage.ReadJson(p);
            m["TotalChunks"] = (int)m["TotalChunks"]! + 1;
            Damage.WriteJson(p, m);
        }));
        damages.Add(("manifest format 99", "manifest.json", s =>
        {
            var p = Path.Combine(s, "manifest.json");
            var m = Damage.ReadJson(p);
            m["Format"] = 99;
            Damage.WriteJson(p, m);
        }));
        damages.Add(("manifest a JSON array", "manifest.json", s => File.WriteAllText(Path.Combine(s, "manifest.json"), "[]")));
        foreach (var (name, mentions, apply) in damages)
            foreach (var (command, args) in StoreCommands("STORE"))
            {
                // A store whose statistics are damaged still serves top contexts; stats and explain read them.
                yield return new("store", $"{command}: {name}", d =>
                {
                    var store = Damage.CopyFolder(f.Store, Path.Combine(d, "store"));
                    apply(store);
                    return new FuzzSpec([.. args.Select(a => a == "STORE" ? store : a)], mentions);
                });
            }

        (string Command, string Flag, string Value)[] flags =
        [
            ("activations stats", "--hook", "blocks.9.mlp.hook_post"), ("activations stats", "--neuron", "-1"), ("activations stats", "--neuron", "99999"),
            ("activations top", "--hook", "nothing"), ("activations top", "--neuron", "-1"), ("activations top", "--neuron", "99999"), ("activations top", "--k", "0"),
            ("activations explain", "--neuron", "99999"), ("activations explain", "--held-out", "0"), ("activations explain", "--held-out", "1"), ("activations explain", "--held-out", "NaN"),
            ("activations stats", "--store", "/nonexistent/store"),
        ];
        foreach (var (command, flag, value) in flags)
        {
            var args = StoreCommands(f.Store).First(c => c.Name == command).Args;
            yield return new("store", $"{command} {flag} {value}", _ => new FuzzSpec([.. Replace(args, flag, value)], flag, null, flag == "--store" ? value : null));
        }
        // Training checkpoints: damaged files are named when --resume reads them, and the folder is left as it was.
        var checkpoint = new (string Name, string File, Action<string> Apply)[]
        {
            ("state.json truncated", "state.json", p => { var b = File.ReadAllBytes(p); File.WriteAllBytes(p, b[..(b.Length / 2)]); }),
            ("state.json a JSON array", "state.json", p => File.WriteAllText(p, "[]")),
            ("model.safetensors one byte changed", "model.safetensors", Nudge),
            ("optimizer.safetensors one byte changed", "optimizer.safetensors", Nudge),
            ("optimizer.safetensors truncated", "optimizer.safetensors", p => { var b = File.ReadAllBytes(p); File.WriteAllBytes(p, b[..(b.Length * 2 / 3)]); }),
            ("optimizer.safetensors garbage", "optimizer.safetensors", p => File.WriteAllBytes(p, Damage.RandomBytes(new Random(11), (int)new FileInfo(p).Length))),
        };
        foreach (var (name, file, apply) in checkpoint)
            yield return new("store", $"train gpt --resume: checkpoint {name}", d =>
            {
                var trained = Damage.CopyFolder(f.Trained, Path.Combine(d, "trained"));
                apply(Path.Combine(trained, "checkpoint", file));
                return new FuzzSpec([.. f.TrainArgs(trained, 2), "--resume"], Path.Combine("checkpoint", file), trained);
            });
        yield return new("store", "train gpt --resume with nothing to resume", d => new FuzzSpec(
            ["train", "gpt", "--corpus", f.Corpus, "--preset", "tiny", "--steps", "2", "--out", Path.Combine(d, "out"), "--data-dir", f.Cache, "--resume"], "--resume", Path.Combine(d, "out")));
    }
}
