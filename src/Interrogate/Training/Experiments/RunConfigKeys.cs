using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.Models.Mlp;

namespace Interrogate.Training.Experiments;

/// <summary>
/// The spec keys of a <see cref="RunConfig"/>, each with its reader and check, so an unknown key or
/// value fails before any run starts, naming the file, the key and what would have been valid.
/// </summary>
public static class RunConfigKeys
{
    private delegate RunConfig Apply(RunConfig config, Reader read);

    private static readonly Dictionary<string, Apply> Table = new()
    {
        ["model"] = (c, r) => c with { Model = r.OneOf(ModelFactory.Kinds) },
        ["hidden_sizes"] = (c, r) => c with { HiddenSizes = r.PositiveInts() },
        ["activation"] = (c, r) => c with { Activation = r.OneOf(Nn.Activation.Names) },
        ["normalization"] = (c, r) => c with { Normalization = r.OneOf(["none", "layernorm"]) },
        ["dropout"] = (c, r) => c with { Dropout = (float)r.Number(0, 1, maxExclusive: true) },
        ["init"] = (c, r) => c with { Init = r.OneOf(MlpConfig.InitNames) },
        ["channels"] = (c, r) => c with { Channels = r.PositiveInts() },
        ["kernel_size"] = (c, r) => c with { KernelSize = r.Int(1, 15) },
        ["pool_size"] = (c, r) => c with { PoolSize = r.Int(1, 8) },
        ["cell"] = (c, r) => c with { Cell = r.OneOf(Models.Recurrent.RecurrentLayer.CellTypes) },
        ["optimizer"] = (c, r) => c with { Optimizer = r.OneOf(["adamw", "sgd"]) },
        ["lr"] = (c, r) => c with { Lr = (float)r.Number(1e-9, 10) },
        ["weight_decay"] = (c, r) => c with { WeightDecay = (float)r.Number(0, 10) },
        ["momentum"] = (c, r) => c with { Momentum = (float)r.Number(0, 1, maxExclusive: true) },
        ["cosine_schedule"] = (c, r) => c with { CosineSchedule = r.Bool() },
        ["epochs"] = (c, r) => c with { Epochs = r.Int(1, 10_000) },
        ["batch_size"] = (c, r) => c with { BatchSize = r.Int(1, 1_000_000) },
        ["standardise"] = (c, r) => c with { Standardise = r.OneOf(["none", "global", "per_pixel"]) },
        ["shift"] = (c, r) => c with { Shift = r.Int(0, 8) },
        ["data_fraction"] = (c, r) => c with { DataFraction = r.Number(1e-6, 1) },
        ["adversarial"] = (c, r) => c with { Adversarial = r.OneOf(["none", "fgsm", "pgd", "generator"]) },
        ["epsilon"] = (c, r) => c with { Epsilon = (float)r.Number(0, 1) },
        ["adversarial_fraction"] = (c, r) => c with { AdversarialFraction = r.Number(0, 1) },
        ["attack_steps"] = (c, r) => c with { AttackSteps = r.Int(1, 1000) },
        ["generator_hidden"] = (c, r) => c with { GeneratorHidden = r.Int(1, 100_000) },
        ["generator_lr"] = (c, r) => c with { GeneratorLr = (float)r.Number(1e-9, 10) },
        ["robust_epsilon"] = (c, r) => c with { RobustEpsilon = (float)r.Number(0, 1) },
        ["robust_steps"] = (c, r) => c with { RobustSteps = r.Int(1, 1000) },
        ["robust_count"] = (c, r) => c with { RobustCount = r.Int(0, int.MaxValue) },
    };

    /// <summary>Every key a run setting may have, in spec order.</summary>
    public static IReadOnlyCollection<string> Names => Table.Keys;

    /// <summary>Applies an object of settings on top of a config. where: "base" or "settings.NAME", for errors.</summary>
    public static RunConfig ApplyAll(RunConfig config, JsonObject settings, string file, string where)
    {
        foreach (var (key, value) in settings)
            config = ApplyOne(config, key, value, file, $"{where}.{key}");
        return config;
    }

    public static RunConfig ApplyOne(RunConfig config, string key, JsonNode? value, string file, string path)
    {
        if (!Table.TryGetValue(key, out var apply))
            throw InputException.ForFile(file, $"unknown key '{path}' (valid: {string.Join(", ", Table.Keys)})");
        return apply(config, new Reader(value, file, path));
    }

    /// <summary>Reads one JSON value; every failure names the file and the key path.</summary>
    private readonly record struct Reader(JsonNode? Node, string File, string Path)
    {
        private InputException Bad(string expected) =>
            InputException.ForFile(File, $"'{Path}' must be {expected}, got {JsonFile.Show(Node)}");

        public string OneOf(IReadOnlyList<string> valid)
        {
            if (Node is JsonValue v && v.GetValueKind() == JsonValueKind.String && valid.Contains(v.GetValue<string>()))
                return v.GetValue<string>();
            throw Bad($"one of {string.Join(", ", valid)}");
        }

        public double Number(double min, double max, bool maxExclusive = false)
        {
            string range = $"a number in [{Show(min)}, {Show(max)}{(maxExclusive ? ")" : "]")}";
            if (Node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<double>(out double d)) throw Bad(range);
            if (d < min || d > max || (maxExclusive && d == max)) throw Bad(range);
            return d;
        }

        public int Int(int min, int max)
        {
            if (Node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out int i) && i >= min && i <= max) return i;
            throw Bad($"an integer in [{min}, {max}]");
        }

        public bool Bool() => Node?.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad("true or false"),
        };

        public int[] PositiveInts()
        {
            if (Node is not JsonArray a || a.Count == 0) throw Bad("a non-empty array of positive integers");
            var values = new int[a.Count];
            for (int i = 0; i < a.Count; i++)
                values[i] = a[i] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int n) && n > 0
                    ? n : throw Bad("a non-empty array of positive integers");
            return values;
        }

        private static string Show(double d) => d.ToString("G", CultureInfo.InvariantCulture);
    }
}
