namespace Interrogate.Tests.Fuzz;

public sealed partial class FuzzCampaign
{
    /// <summary>Out-of-range, unreadable and contradictory flag values, each on an otherwise healthy command.</summary>
    private IEnumerable<FuzzCase> FlagCases()
    {
        var byName = ModelCommands().ToDictionary(c => c.Name);
        (string Command, string Flag, string[] Values)[] table =
        [
            ("generate", "-n", ["-1", "abc", "1e9"]),
            ("generate", "--temperature", ["-1", "NaN", "Infinity"]),
            ("generate", "--top-k", ["-1"]),
            ("generate", "--top-p", ["0", "1.5", "-0.1", "NaN"]),
            ("hooks", "--batch", ["0", "-3"]),
            ("hooks", "--seq", ["0", "100000000"]),
            ("trace", "--position", ["99", "-99"]),
            ("trace", "--neuron", ["9.0", "0.999", "x", "1.2.3", "-1.0"]),
            ("attribute", "--method", ["foo"]),
            ("attribute", "--steps", ["0", "-1"]),
            ("attribute", "--top", ["0", "-1"]),
            ("attribute", "--position", ["99"]),
            ("attribute", "--hook", ["blocks.*.nothing"]),
            ("attribute", "--target", ["whale whale whale whale"]),
            ("patch", "--direction", ["sideways"]),
            ("patch", "--top", ["0"]),
            ("patch", "--hook", ["nothing"]),
            ("patch", "--neuron", ["7.1", "0.9999"]),
            ("patch", "--corrupted", ["the whale said and the ship of the sea"]),
            ("importance", "--tokens", ["0", "-5"]),
            ("importance", "--top", ["0"]),
            ("importance", "--corpus", ["no-such-corpus"]),
            ("redundancy", "--min-r2", ["0", "1.5", "NaN"]),
            ("redundancy", "--max-set", ["0"]),
            ("redundancy", "--max-rounds", ["0"]),
            ("redundancy", "--tokens", ["0"]),
            ("redundancy", "--eval-tokens", ["0"]),
            ("redundancy", "--loss-budget", ["-1", "NaN"]),
            ("redundancy", "--ablations", ["-1"]),
            ("neurons", "--concept", ["bogus"]),
            ("neurons", "--concept-regex", ["(", "[a-"]),
            ("neurons", "--tokens", ["0"]),
            ("neurons", "--top", ["0"]),
            ("neurons", "--ablation", ["foo"]),
            ("neurons", "--eval-windows", ["0"]),
            ("neurons", "--neuron", ["9.9", "0.99999"]),
            ("neurons", "--hook", ["nothing.*"]),
            ("neurons", "--labels", ["/nonexistent/labels.jsonl"]),
            ("activations record", "--split", ["foo"]),
            ("activations record", "--hooks", ["blocks.*.bogus"]),
            ("activations record", "--tokens", ["0", "-1"]),
            ("activations record", "--batch", ["0"]),
            ("activations record", "--top-k", ["0", "-2"]),
            ("prune", "--method", ["foo"]),
            ("prune", "--target", ["0", "1", "1.5", "NaN", "-0.2"]),
            ("prune", "--finetune", ["-1"]),
            ("prune", "--rounds", ["0"]),
            ("prune", "--schedule", ["foo"]),
            ("prune", "--prune-every", ["0"]),
            ("prune", "--allocation", ["foo"]),
            ("prune", "--lr", ["0", "-1", "NaN"]),
            ("prune", "--distill-weight", ["2", "-1"]),
            ("prune", "--loss-budget", ["0.1"]),
            ("prune compare", "--methods", ["foo", "magnitude,,wanda"]),
            ("prune compare", "--fractions", ["0.5,,0.6", "1.5", "0", "abc", ",", "-0.1"]),
            ("loss", "--threads", ["0", "-1"]),
            ("loss", "--blas", ["fortran"]),
        ];
        foreach (var (command, flag, values) in table)
            foreach (var value in values)
            {
                var c = byName[command];
                yield return new("flags", $"{command} {flag} {value}", d =>
                    new FuzzSpec([.. Replace(c.Args(f.Gpt, d), flag, value)], flag, c.OutputName is null ? null : Path.Combine(d, c.OutputName), flag == "--labels" ? value : null));
            }

        foreach (var (flag, value) in new[] { ("--steps", "0"), ("--steps", "-1"), ("--eval-every", "0"), ("--patience", "-1"), ("--stop-after", "-1"), ("--preset", "huge") })
            yield return new("flags", $"train gpt {flag} {value}", d =>
                new FuzzSpec([.. Replace(["train", "gpt", "--corpus", f.Corpus, "--preset", "tiny", "--steps", "2", "--out", Path.Combine(d, "out"), "--data-dir", f.Cache], flag, value)], flag, Path.Combine(d, "out")));
        foreach (var value in new[] { "0", "256", "-1", "1000000000" })
            yield return new("flags", $"tokenizer train --vocab {value}", d =>
                new FuzzSpec(["tokenizer", "train", "--corpus", f.Corpus, "--vocab", value, "--out", Path.Combine(d, "out")], "--vocab", Path.Combine(d, "out")));
    }

    /// <summary>The arguments with <paramref name="flag"/>'s value replaced (or the flag added when absent).</summary>
    private static List<string> Replace(string[] args, string flag, string value)
    {
        var list = args.ToList();
        int i = list.IndexOf(flag);
        if (i >= 0) list[i + 1] = value;
        else list.AddRange([flag, value]);
        return list;
    }
}
