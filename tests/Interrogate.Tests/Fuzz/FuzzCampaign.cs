namespace Interrogate.Tests.Fuzz;

/// <summary>
/// The fuzz campaign: malformed inputs over every command that reads a file, generated from one
/// seed. Each class lives in its own part (Files, Flags, Stores, Outputs); this part holds the
/// commands as a user would run them on healthy inputs, which the controls check exit 0.
/// </summary>
public sealed partial class FuzzCampaign(FuzzFixture f, int seed)
{
    private readonly Random rng = new(seed);

    /// <summary>A command that loads a language-model folder, as run on a healthy one; D is the case's own folder.</summary>
    private sealed record ModelCommand(string Name, Func<string, string, string[]> Args, string? OutputName = null);

    private IReadOnlyList<ModelCommand> ModelCommands() =>
    [
        new("loss", (m, d) => ["loss", "--model", m, "--text", f.TextFile]),
        new("generate", (m, d) => ["generate", "--model", m, "--prompt", "the whale", "-n", "2"]),
        new("hooks", (m, d) => ["hooks", "--model", m]),
        new("trace", (m, d) => ["trace", "--model", m, "--text", "the whale and the"]),
        new("attribute", (m, d) => ["attribute", "--model", m, "--text", "the whale and the", "--steps", "2"]),
        new("patch", (m, d) => ["patch", "--model", m, "--clean", f.PatchPair.Clean, "--corrupted", f.PatchPair.Corrupted]),
        new("importance", (m, d) => ["importance", "--model", m, "--corpus", f.Corpus, "--tokens", "64", "--data-dir", f.Cache]),
        new("redundancy", (m, d) => ["redundancy", "--model", m, "--corpus", f.Corpus, "--tokens", "128", "--eval-tokens", "64", "--max-rounds", "1", "--data-dir", f.Cache]),
        new("neurons", (m, d) => ["neurons", "--model", m, "--corpus", f.Corpus, "--tokens", "256", "--top", "2", "--random", "2", "--eval-windows", "2", "--no-explain", "--data-dir", f.Cache]),
        new("activations record", (m, d) => ["activations", "record", "--model", m, "--corpus", f.Corpus, "--tokens", "64", "--out", Path.Combine(d, "out"), "--data-dir", f.Cache], "out"),
        new("prune", (m, d) => ["prune", "--model", m, "--method", "magnitude", "--target", "0.3", "--corpus", f.Corpus, "--tokens", "64", "--calibration-tokens", "64", "--out", Path.Combine(d, "out"), "--data-dir", f.Cache], "out"),
        new("prune compare", (m, d) => ["prune", "compare", "--model", m, "--methods", "magnitude", "--fractions", "0.5", "--corpus", f.Corpus, "--tokens", "64", "--calibration-tokens", "64", "--report", Path.Combine(d, "out.html"), "--data-dir", f.Cache], "out.html"),
        new("sae train", (m, d) => ["sae", "train", "--model", m, "--corpus", f.Corpus, "--hook", FuzzFixture.SaeHook, "--tokens", "128", "--held-out-tokens", "64", "--latents", "16", "--k", "4", "--batch", "64", "--warmup", "1", "--out", Path.Combine(d, "out"), "--data-dir", f.Cache], "out"),
        new("sae eval", (m, d) => ["sae", "eval", "--sae", f.Sae, "--model", m, "--corpus", f.Corpus, "--tokens", "64", "--data-dir", f.Cache]),
    ];

    /// <summary>Each command once on the healthy fixture: the damaged cases differ from these by one thing.</summary>
    public IEnumerable<(string Name, string[] Args, string Folder)> Controls(string root)
    {
        foreach (var c in ModelCommands())
        {
            var d = Directory.CreateDirectory(Path.Combine(root, "control-" + c.Name.Replace(' ', '-'))).FullName;
            yield return (c.Name, c.Args(f.Gpt, d), d);
        }
        foreach (var (name, args) in StoreCommands(f.Store))
            yield return (name, args, root);
        foreach (var (name, args) in OtherControls(root))
            yield return (name, args, root);
    }

    /// <summary>Every case, in a fixed order for this seed.</summary>
    public IEnumerable<FuzzCase> Cases() =>
        SafetensorsCases().Concat(ConfigCases()).Concat(TokenizerCases()).Concat(NonFiniteCases()).Concat(FlagCases())
            .Concat(TextCases()).Concat(StoreCases()).Concat(OutputCases()).Concat(CommandLineCases())
            .Concat(SaeCases()).Concat(MergeCases()).Concat(SlurmCases()).Concat(ServeCases()).Concat(ClassifierCases()).Concat(ExperimentCases());

    /// <summary>Builds a case that damages a copy of the GPT folder, then runs <paramref name="command"/> on it.</summary>
    private FuzzCase OnModel(string cls, string name, ModelCommand command, Func<string, string> damage) =>
        new(cls, $"{command.Name}: {name}", d =>
        {
            var model = Damage.CopyFolder(f.Gpt, Path.Combine(d, "model"));
            var mentions = damage(model);
            return new FuzzSpec(command.Args(model, d), mentions, command.OutputName is null ? null : Path.Combine(d, command.OutputName));
        });

    /// <summary><paramref name="count"/> commands drawn without replacement.</summary>
    private IEnumerable<ModelCommand> Some(int count) => ModelCommands().OrderBy(_ => rng.Next()).Take(count).ToList();
}
