namespace Interrogate.Tests.Fuzz;

public sealed partial class FuzzCampaign
{
    /// <summary>Text files and corpora that are missing, not text, not files, or too small.</summary>
    private IEnumerable<FuzzCase> TextCases()
    {
        var makers = new (string Name, Func<string, string> Make)[]
        {
            ("missing file", d => Path.Combine(d, "nope.txt")),
            ("a directory", d => Directory.CreateDirectory(Path.Combine(d, "dir.txt")).FullName),
            ("not UTF-8", d => { var p = Path.Combine(d, "latin1.txt"); File.WriteAllBytes(p, [0x63, 0x61, 0x66, 0xE9, 0x20, 0xFF]); return p; }),
            ("a FIFO", d => { var p = Path.Combine(d, "pipe.txt"); if (!Damage.MakeFifo(p)) File.WriteAllBytes(p, [0xFF]); return p; }),
        };
        foreach (var (name, make) in makers)
        {
            yield return new("text", $"loss --text {name}", d => { var p = make(d); return new FuzzSpec(["loss", "--model", f.Gpt, "--text", p], "--text", null, p); });
            yield return new("text", $"tokenize --text {name}", d => { var p = make(d); return new FuzzSpec(["tokenize", "--model", f.Gpt, "--text", p], "--text", null, p); });
        }
        yield return new("text", "loss --text empty", d =>
        {
            var p = Path.Combine(d, "empty.txt");
            File.WriteAllText(p, "");
            return new FuzzSpec(["loss", "--model", f.Gpt, "--text", p], "--text");
        });

        var corpora = new (string Name, Func<string, string> Make)[]
        {
            ("missing path", d => Path.Combine(d, "no-corpus")),
            ("empty folder", d => Directory.CreateDirectory(Path.Combine(d, "empty")).FullName),
            ("only non-UTF-8 files", d => { var c = Directory.CreateDirectory(Path.Combine(d, "bad")).FullName; File.WriteAllBytes(Path.Combine(c, "x.txt"), [0xFF, 0xFE, 0x00]); return c; }),
            ("one byte", d => { var p = Path.Combine(d, "tiny.txt"); File.WriteAllText(p, "a"); return p; }),
            ("a FIFO", d => { var p = Path.Combine(d, "pipe.txt"); if (!Damage.MakeFifo(p)) File.WriteAllBytes(p, [0xFF]); return p; }),
        };
        var byName = ModelCommands().ToDictionary(c => c.Name);
        foreach (var (name, make) in corpora)
        {
            foreach (var command in new[] { "importance", "redundancy", "neurons", "activations record", "prune" })
            {
                var c = byName[command];
                yield return new("corpus", $"{command} --corpus {name}", d =>
                {
                    var p = make(d);
                    return new FuzzSpec([.. Replace(c.Args(f.Gpt, d), "--corpus", p)], "--corpus", c.OutputName is null ? null : Path.Combine(d, c.OutputName), p);
                });
            }
            yield return new("corpus", $"train gpt --corpus {name}", d =>
            {
                var p = make(d);
                return new FuzzSpec(["train", "gpt", "--corpus", p, "--preset", "tiny", "--steps", "2", "--out", Path.Combine(d, "out"), "--data-dir", f.Cache], "--corpus", Path.Combine(d, "out"), p);
            });
            yield return new("corpus", $"tokenizer train --corpus {name}", d =>
            {
                var p = make(d);
                return new FuzzSpec(["tokenizer", "train", "--corpus", p, "--vocab", "300", "--out", Path.Combine(d, "out")], "--corpus", Path.Combine(d, "out"), p);
            });
        }
    }

    /// <summary>System.CommandLine's own failures: unknown words, unknown options, missing values.</summary>
    private IEnumerable<FuzzCase> CommandLineCases()
    {
        foreach (var word in new[] { "frobnicate", "trian", "los", "--frob", "help", "" })
            yield return new("command line", $"interrogate {word}", _ => new FuzzSpec([word], word.Length == 0 ? "interrogate" : word));
        foreach (var (args, mentions) in new (string[], string)[]
        {
            (["activations"], "activations"), (["activations", "frob"], "frob"), (["prune", "comapre"], "comapre"),
            (["train"], "train"), (["train", "bert"], "bert"), (["tokenizer"], "tokenizer"),
            (["loss", "--model"], "--model"), (["loss", "--model", "x", "--text"], "--text"), (["generate", "--model", "x"], "--prompt"),
            (["loss", "--modle", "x", "--text", "y"], "--modle"), (["hooks", "--model", "x", "--batch", "two"], "--batch"),
            (["prune", "compare", "--seed", "-1", "--model", "x"], "--seed"), (["--threads"], "--threads"), (["--threads", "x", "hooks"], "--threads"),
            (["activations", "stats"], "--store"), (["activations", "top", "--store", "x", "--hook", "h"], "--neuron"),
            (["trace", "--model", "x", "--text", "t", "--position", "1.5"], "--position"), (["eval"], "eval"), (["eval", "mnist"], "--model"),
            (["experiment"], "--spec"),
        })
            yield return new("command line", string.Join(' ', args), _ => new FuzzSpec(args, mentions));
    }
}
