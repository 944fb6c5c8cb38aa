using System.Text.Json.Nodes;

namespace Interrogate.Tests.Fuzz;

public sealed partial class FuzzCampaign
{
    private const string Weights = "model.safetensors";
    private const string Config = "config.json";
    private const string Tokenizer = "tokenizer.json";

    /// <summary>Damaged model.safetensors: every command that loads the model, against every kind of damage.</summary>
    private IEnumerable<FuzzCase> SafetensorsCases()
    {
        var damages = new List<(string Name, Action<string> Apply)>();
        byte[] Read(string m) => File.ReadAllBytes(Path.Combine(m, Weights));
        void Write(string m, byte[] b) => File.WriteAllBytes(Path.Combine(m, Weights), b);
        for (int i = 0; i < 3; i++)
        {
            double keep = rng.NextDouble();
            damages.Add(($"truncated to {keep:P0}", m => { var b = Read(m); Write(m, b[..(int)(b.Length * keep)]); }));
        }
        foreach (int k in new[] { 1, 2 + rng.Next(4), 6 + rng.Next(20) })
        {
            damages.Add(($"header length {k} short", m => { var (h, d) = Damage.SplitSafetensors(Read(m)); Write(m, Damage.JoinSafetensors(h, d, h.Length - k)); }));
            damages.Add(($"header length {k} long", m => { var (h, d) = Damage.SplitSafetensors(Read(m)); Write(m, Damage.JoinSafetensors(h, d, h.Length + k)); }));
            damages.Add(($"{k} trailing bytes", m => Write(m, [.. Read(m), .. Damage.RandomBytes(new Random(k), k)])));
        }
        int garbage = 8 + rng.Next(4000);
        damages.Add(($"{garbage} random bytes", m => Write(m, Damage.RandomBytes(new Random(garbage), garbage))));
        damages.Add(("empty file", m => Write(m, [])));
        damages.Add(("header length 2^63", m => { var b = Read(m); b[7] = 0x80; Write(m, b); }));
        damages.Add(("unknown dtype", m => Edit(m, e => e["dtype"] = "Q4")));
        damages.Add(("dtype F16 for F32 bytes", m => Edit(m, e => e["dtype"] = "F16")));
        damages.Add(("shape one longer", m => Edit(m, e => { var s = e["shape"]!.AsArray(); s[0] = (int)s[0]! + 1; })));
        damages.Add(("offsets shifted by 4", m => Edit(m, e => { var o = e["data_offsets"]!.AsArray(); o[0] = (long)o[0]! + 4; o[1] = (long)o[1]! + 4; })));
        damages.Add(("offsets reversed", m => Edit(m, e => { var o = e["data_offsets"]!.AsArray(); (o[0], o[1]) = ((long)o[1]!, (long)o[0]!); })));
        damages.Add(("tensor renamed", m => { var (h, d) = Damage.SplitSafetensors(Read(m)); Write(m, Damage.JoinSafetensors(h.Replace("ln_f.bias", "ln_f.bias2"), d)); }));
        damages.Add(("a directory", m => { File.Delete(Path.Combine(m, Weights)); Directory.CreateDirectory(Path.Combine(m, Weights)); }));
        damages.Add(("a FIFO", m => { if (!Damage.MakeFifo(Path.Combine(m, Weights))) Write(m, []); }));
        foreach (var command in ModelCommands())
            foreach (var (name, apply) in damages)
                yield return OnModel("safetensors", name, command, m => { apply(m); return Weights; });

        void Edit(string m, Action<JsonObject> edit)
        {
            var (h, d) = Damage.SplitSafetensors(Read(m));
            var edited = Damage.EditEntry(h, new Random(h.Length), edit);
            Write(m, Damage.JoinSafetensors(Damage.Pad(edited, h.Length), d));
        }
    }

    /// <summary>Damaged config.json: sizes that would take the machine's memory, contradictions, wrong kinds.</summary>
    private IEnumerable<FuzzCase> ConfigCases()
    {
        (string Name, Action<JsonObject> Edit)[] edits =
        [
            ("n_layer 1e9", c => c["n_layer"] = 1_000_000_000),
            ("n_embd 2^31-1", c => c["n_embd"] = int.MaxValue),
            ("vocab_size 2^31-1", c => c["vocab_size"] = int.MaxValue),
            ("n_inner 1e9", c => c["n_inner"] = 1_000_000_000),
            ("n_positions 2^31-1", c => { c["n_positions"] = int.MaxValue; c["n_ctx"] = int.MaxValue; }),
            ("n_head 0", c => c["n_head"] = 0),
            ("n_head 3 (does not divide n_embd)", c => c["n_head"] = 3),
            ("n_layer 3 (file has 2)", c => c["n_layer"] = 3),
            ("n_embd 32 (file has 16)", c => c["n_embd"] = 32),
            ("vocab_size 200 (file has more)", c => c["vocab_size"] = 200),
            ("negative layer_norm_epsilon", c => c["layer_norm_epsilon"] = -1e-5),
            ("zero layer_norm_epsilon", c => c["layer_norm_epsilon"] = 0),
            ("bos_token_id past the vocabulary", c => c["bos_token_id"] = 100000),
            ("negative eos_token_id", c => c["eos_token_id"] = -3),
            ("untied without lm_head", c => c["tie_word_embeddings"] = false),
            ("unknown model_type", c => { c["model_type"] = "gpt9"; c.Remove("architectures"); }),
            ("n_layer as a string", c => c["n_layer"] = "2"),
            ("n_layer 2.5", c => c["n_layer"] = 2.5),
            ("unknown activation", c => c["activation_function"] = "swishy"),
            ("n_inner_per_layer too short", c => c["n_inner_per_layer"] = new JsonArray(64)),
        ];
        foreach (var (name, edit) in edits)
            foreach (var command in Some(5))
                yield return OnModel("config", name, command, m =>
                {
                    var c = Damage.ReadJson(Path.Combine(m, Config));
                    edit(c);
                    Damage.WriteJson(Path.Combine(m, Config), c);
                    return Config;
                });
        foreach (var command in Some(4))
        {
            int cut = 1 + rng.Next(200);
            yield return OnModel("config", $"truncated at byte {cut}", command, m =>
            {
                var p = Path.Combine(m, Config);
                File.WriteAllText(p, File.ReadAllText(p)[..cut]);
                return Config;
            });
        }
        foreach (var command in Some(3))
            yield return OnModel("config", "a JSON array", command, m => { File.WriteAllText(Path.Combine(m, Config), "[1, 2]"); return Config; });
        foreach (var command in Some(3))
            yield return OnModel("config", "missing", command, m => { File.Delete(Path.Combine(m, Config)); return Config; });
        foreach (var command in Some(3))
            yield return OnModel("config", "a FIFO", command, m => { if (!Damage.MakeFifo(Path.Combine(m, Config))) File.WriteAllText(Path.Combine(m, Config), ""); return Config; });
    }

    /// <summary>Damaged tokenizer.json: wrong kinds, ids past the model's vocabulary, truncation.</summary>
    private IEnumerable<FuzzCase> TokenizerCases()
    {
        (string Name, Action<JsonObject> Edit)[] edits =
        [
            ("merges as an object", t => t["model"]!["merges"] = new JsonObject { ["a"] = "b" }),
            ("merges as a string", t => t["model"]!["merges"] = "t h"),
            ("unknown model.type", t => t["model"]!["type"] = "Unigram"),
            ("model.type a number", t => t["model"]!["type"] = 7),
            ("vocab id past vocab_size", t => t["model"]!["vocab"]!["zzqq"] = 5000),
            ("vocab id 2e9", t => t["model"]!["vocab"]!["zzqq"] = 2_000_000_000),
            ("negative vocab id", t => t["model"]!["vocab"]!["zzqq"] = -1),
            ("vocab as a list", t => t["model"]!["vocab"] = new JsonArray("a", "b")),
            ("added token id past vocab_size", t => t["added_tokens"]!.AsArray().Add(new JsonObject { ["id"] = 4000, ["content"] = "<|pad|>", ["special"] = true })),
            ("merge of unknown tokens", t => t["model"]!["merges"]!.AsArray().Insert(0, "zzz qqq")),
            ("no model", t => t.Remove("model")),
        ];
        string[] readers = ["loss", "generate", "trace", "attribute", "patch", "activations record", "neurons"];
        var commands = ModelCommands().Where(c => readers.Contains(c.Name)).ToList();
        foreach (var (name, edit) in edits)
            foreach (var command in commands)
                yield return OnModel("tokenizer", name, command, m =>
                {
                    var t = Damage.ReadJson(Path.Combine(m, Tokenizer));
                    edit(t);
                    Damage.WriteJson(Path.Combine(m, Tokenizer), t);
                    return Tokenizer;
                });
        foreach (var command in commands.Take(3))
            yield return OnModel("tokenizer", "a FIFO", command, m => { if (!Damage.MakeFifo(Path.Combine(m, Tokenizer))) File.WriteAllText(Path.Combine(m, Tokenizer), ""); return Tokenizer; });
        foreach (var command in commands)
        {
            int cut = 1 + rng.Next(2000);
            yield return OnModel("tokenizer", $"truncated at byte {cut}", command, m =>
            {
                var p = Path.Combine(m, Tokenizer);
                File.WriteAllText(p, File.ReadAllText(p)[..cut]);
                return Tokenizer;
            });
        }
    }

    /// <summary>NaN and ±Inf planted in one weight: loading must name the tensor.</summary>
    private IEnumerable<FuzzCase> NonFiniteCases()
    {
        float[] values = [float.NaN, float.PositiveInfinity, float.NegativeInfinity];
        foreach (var command in ModelCommands())
            foreach (var value in values)
            {
                int pick = rng.Next();
                yield return OnModel("non-finite weights", value.ToString(System.Globalization.CultureInfo.InvariantCulture), command, m =>
                {
                    var p = Path.Combine(m, Weights);
                    File.WriteAllBytes(p, Damage.PlantNonFinite(File.ReadAllBytes(p), new Random(pick), value, out var tensor));
                    return tensor;
                });
            }
        // Loaded anyway with --allow-nonfinite, the value reaches every command's results (a block
        // weight: every token uses it): the error names the hook point where it first appears.
        foreach (var command in ModelCommands().Where(c => c.Name != "hooks"))   // hooks lists shapes and runs nothing
            foreach (var value in values.Take(2))
            {
                int pick = rng.Next();
                yield return new FuzzCase("non-finite results", $"{command.Name} --allow-nonfinite, {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}", d =>
                {
                    var model = Damage.CopyFolder(f.Gpt, Path.Combine(d, "model"));
                    var p = Path.Combine(model, Weights);
                    File.WriteAllBytes(p, Damage.PlantNonFinite(File.ReadAllBytes(p), new Random(pick), value, out _, name => name.Contains(".h.", StringComparison.Ordinal) && !name.EndsWith(".attn.bias", StringComparison.Ordinal)));
                    return new FuzzSpec([.. command.Args(model, d), "--allow-nonfinite"], "first non-finite value appears at blocks.",
                        command.OutputName is null ? null : Path.Combine(d, command.OutputName));
                });
            }
    }
}
