namespace Interrogate.Tests.Fuzz;

public sealed partial class FuzzCampaign
{
    /// <summary>
    /// Outputs that cannot or must not be written: an existing file, a path under a file, a folder
    /// that cannot be written (/proc), a folder inside the model being read. Each is refused before
    /// any work, and the path is left exactly as it was.
    /// </summary>
    private IEnumerable<FuzzCase> OutputCases()
    {
        var places = new (string Name, Func<string, string, string> Make)[]
        {
            ("an existing file", (d, m) => { var p = Path.Combine(d, "taken"); File.WriteAllText(p, "keep me"); return p; }),
            ("under a file", (d, m) => { var p = Path.Combine(d, "file"); File.WriteAllText(p, "keep me"); return Path.Combine(p, "out"); }),
            ("under /proc", (d, m) => "/proc/interrogate-fuzz/out"),
            ("inside the model folder", (d, m) => Path.Combine(m, "out")),
            ("the model folder itself", (d, m) => m),
        };
        var byName = ModelCommands().ToDictionary(c => c.Name);
        foreach (var (name, make) in places)
        {
            foreach (var (command, flag) in new[] { ("activations record", "--out"), ("prune", "--out"), ("prune compare", "--report"), ("neurons", "--report") })
            {
                var c = byName[command];
                yield return new("outputs", $"{command} {flag} {name}", d =>
                {
                    var model = Damage.CopyFolder(f.Gpt, Path.Combine(d, "model"));
                    var output = make(d, model);
                    if (command == "neurons" && name == "the model folder itself") output = Path.Combine(model, "config.json");
                    return new FuzzSpec([.. Replace(c.Args(model, d), flag, output)], flag, output);
                });
            }
            if (name is "inside the model folder" or "the model folder itself") continue;
            yield return new("outputs", $"train gpt --out {name}", d =>
            {
                var output = make(d, f.Gpt);
                return new FuzzSpec(["train", "gpt", "--corpus", f.Corpus, "--preset", "tiny", "--steps", "2", "--out", output, "--data-dir", f.Cache], "--out", output);
            });
            yield return new("outputs", $"tokenizer train --out {name}", d =>
            {
                var output = make(d, f.Gpt);
                return new FuzzSpec(["tokenizer", "train", "--corpus", f.Corpus, "--vocab", "300", "--out", output], "--out", output);
            });
        }
        yield return new("outputs", "activations record --out inside the corpus folder", d =>
        {
            var corpus = Damage.CopyFolder(f.Corpus, Path.Combine(d, "corpus"));
            var output = Path.Combine(corpus, "store");
            return new FuzzSpec(["activations", "record", "--model", f.Gpt, "--corpus", corpus, "--tokens", "64", "--out", output, "--data-dir", f.Cache], "--out", output);
        });
    }
}
