using Interrogate.Nn;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Interrogate.Server;

/// <summary>A unit (a neuron of one hook point) as search lists it, with what the results say about it.</summary>
public sealed record UnitHit(string Hook, int Neuron, string Label, string? Concept, string? Verdict, string? Explanation, string Source);

/// <summary>
/// Search over units: by id ("L2.N317", "2.317", "blocks.2.mlp.hook_post[317]"), by words of an
/// explanation, concept or verdict, or filtered by verdict. Built once from the studies and
/// explanations among the results; ids are also checked against the stores' hooks, so any stored
/// unit can be found by id even when no result mentions it.
/// </summary>
public sealed partial class UnitIndex
{
    private readonly List<UnitHit> known = [];
    private readonly ViewerState state;

    public UnitIndex(ViewerState state)
    {
        this.state = state;
        foreach (var s in state.Results.Studies)
        {
            var concept = Text(s.Study["concept"]);
            foreach (var c in s.Study["candidates"]!.AsArray().OfType<JsonObject>())
                if (Unit(c) is { } u) known.Add(new UnitHit(u.Hook, u.Neuron, Label(u.Hook, u.Neuron), concept, Text(c["verdict"]), Text(c["explanation"]), s.File.Id));
        }
        foreach (var e in state.Results.Explanations)
            if (Unit(e.Explanation) is { } u) known.Add(new UnitHit(u.Hook, u.Neuron, Label(u.Hook, u.Neuron), null, null, Text(e.Explanation["explanation"]), e.File.Id));
    }

    /// <summary>Every verdict named in the results, for the search page's filter.</summary>
    public IReadOnlyList<string> Verdicts => [.. known.Select(k => k.Verdict).OfType<string>().Distinct().Order(StringComparer.Ordinal)];

    public IReadOnlyList<UnitHit> Find(string? query, string? verdict, int limit)
    {
        query = query?.Trim() ?? "";
        var hits = new List<UnitHit>();
        if (ParseId(query) is { } id)
        {
            hits.AddRange(known.Where(k => k.Hook == id.Hook && k.Neuron == id.Neuron));
            if (hits.Count == 0 && state.Stores.Entries.Any(e => e.Store?.Hooks.Any(h => h.Name == id.Hook && id.Neuron < h.Width) == true))
                hits.Add(new UnitHit(id.Hook, id.Neuron, Label(id.Hook, id.Neuron), null, null, null, "store"));
        }
        else
        {
            var words = query.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            hits.AddRange(known.Where(k => words.All(w => Mentions(k, w))));
        }
        if (!string.IsNullOrEmpty(verdict)) hits.RemoveAll(h => !string.Equals(h.Verdict, verdict, StringComparison.OrdinalIgnoreCase));
        return [.. hits.Take(limit)];
    }

    private static bool Mentions(UnitHit k, string word) =>
        (k.Explanation?.Contains(word, StringComparison.OrdinalIgnoreCase) ?? false)
        || (k.Concept?.Contains(word, StringComparison.OrdinalIgnoreCase) ?? false)
        || (k.Verdict?.Contains(word, StringComparison.OrdinalIgnoreCase) ?? false)
        || k.Label.Contains(word, StringComparison.OrdinalIgnoreCase);

    /// <summary>"L2.N317" for an MLP neuron (the CLI's name), else "hook[317]".</summary>
    public static string Label(string hook, int neuron) =>
        new UnitRef(hook, neuron).ToString();

    /// <summary>The (hook, neuron) an id names, or null when the text is not an id.</summary>
    public static (string Hook, int Neuron)? ParseId(string text)
    {
        if (LayerNeuron().Match(text) is { Success: true } m)
            return (HookNames.MlpPost(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        if (HookIndex().Match(text) is { Success: true } h)
            return (h.Groups[1].Value, int.Parse(h.Groups[2].Value, CultureInfo.InvariantCulture));
        return null;
    }

    /// <summary>The unit a results object names: "hook" and "neuron", or "layer" and "neuron" (an MLP neuron).</summary>
    public static (string Hook, int Neuron)? Unit(JsonObject o)
    {
        if (Int(o["neuron"]) is not { } n) return null;
        if (Text(o["hook"]) is { } hook) return (hook, n);
        return Int(o["layer"]) is { } l ? (HookNames.MlpPost(l), n) : null;
    }

    public static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    public static int? Int(JsonNode? node) =>
        node?.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<int>(out var v) ? v : null;

    [GeneratedRegex(@"^L?(\d{1,4})\s*[.:/]\s*N?(\d{1,7})$", RegexOptions.IgnoreCase)]
    private static partial Regex LayerNeuron();

    [GeneratedRegex(@"^([A-Za-z0-9_.]+)\[(\d{1,7})\]$")]
    private static partial Regex HookIndex();
}
