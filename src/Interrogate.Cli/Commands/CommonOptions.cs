using Interrogate.Nn;
using System.CommandLine;
using System.Globalization;
using Interrogate.Analysis.Ablation;
using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;
using Interrogate.Text;

namespace Interrogate.Cli.Commands;

/// <summary>Options shared by several commands, and parsers that name the flag in their errors.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object on stdout instead of tables" };

    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Cache folder for downloaded datasets (default: $XDG_CACHE_HOME/interrogate or ~/.cache/interrogate)",
    };

    public static Option<ulong> Seed() => new("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0UL };

    /// <summary>Parses "256,128" into widths; errors name the flag.</summary>
    public static int[] ParseIntList(string text, string flag)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new InputException($"{flag}: expected a comma-separated list of positive integers, got '{text}'");
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out values[i]) || values[i] <= 0)
                throw new InputException($"{flag}: '{parts[i]}' is not a positive integer");
        return values;
    }

    /// <summary>The items of a comma-separated list; an empty list or an empty item ("0.5,,0.6") is an error naming the flag.</summary>
    public static string[] SplitList(string text, string flag)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (text.Trim().Length == 0 || parts.Any(p => p.Length == 0))
            throw new InputException($"--{flag.TrimStart('-')}: expected a comma-separated list with no empty items, got '{text}'");
        return parts;
    }

    public static void RequirePositive(int value, string flag)
    {
        if (value <= 0) throw new InputException($"{flag}: must be a positive integer, got {value}");
    }

    public static void RequirePositive(float value, string flag)
    {
        if (!(value > 0f) || float.IsInfinity(value)) throw new InputException($"{flag}: must be a positive number, got {value}");
    }

    /// <summary>
    /// One token id from user text: the text's encoding when that is a single token (" that"), else a raw
    /// vocabulary string ("Ġthat"). InputException naming the flag otherwise.
    /// </summary>
    public static int ParseToken(ITokenizer tokenizer, string text, string flag)
    {
        var ids = tokenizer.Encode(text);
        if (ids.Length == 1) return ids[0];
        if (tokenizer.TokenId(text) is int id) return id;
        throw new InputException($"{flag} '{text}': not a single token of this tokenizer (it encodes to {ids.Length} tokens); `interrogate tokenize` shows how text splits");
    }

    /// <summary>The model's most likely next token after <paramref name="ids"/>[position] (negative counts from the end). ids: [T].</summary>
    public static int TopPrediction(CausalLanguageModel model, int[] ids, int position)
    {
        int p = position < 0 ? ids.Length + position : position;
        if (p < 0 || p >= ids.Length) throw new InputException($"--position {position} lies outside the prompt's {ids.Length} tokens");
        using var _ = GradientTape.NoGrad();
        var logits = model.Forward(ids).ContiguousData();   // [1, T, V]
        int v = logits.Shape[2];
        var row = logits.Span.Slice(p * v, v);
        int best = 0;
        for (int i = 1; i < v; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    /// <summary>
    /// "LAYER.INDEX" as neuron INDEX of the one hook point of block LAYER among <paramref name="hooks"/>
    /// (the --hook matches), checked against the hook's width.
    /// </summary>
    public static UnitRef ParseNeuron(CausalLanguageModel model, string spec, IReadOnlyList<string> hooks)
    {
        var parts = spec.Split('.');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int layer)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            throw new InputException($"--neuron: expected LAYER.INDEX such as 2.317, got '{spec}'");
        var inLayer = hooks.Where(h => HookNames.LayerOf(h) == layer).ToList();
        if (inLayer.Count != 1)
            throw new InputException($"--neuron {spec}: {(inLayer.Count == 0 ? "no" : "more than one")} --hook point in block {layer} ({string.Join(", ", hooks)})");
        int width = model.DescribeHookPoints(1, 1).First(h => h.Name == inLayer[0]).Shape[^1];
        if (index >= width) throw new InputException($"--neuron {spec}: out of range; {inLayer[0]} has {width} neurons (0..{width - 1})");
        return new UnitRef(inLayer[0], index);
    }
}
