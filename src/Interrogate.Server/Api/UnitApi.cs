using System.Text.Json.Nodes;
using Interrogate.Store;
using Interrogate.Text;

namespace Interrogate.Server.Api;

/// <summary>
/// GET /api/unit?hook=H&amp;neuron=N[&amp;store=S]: one unit's dashboard. From the store: statistics,
/// the histogram as counted, the top-activating contexts with the unit's value on every token. From
/// the results: each study's measurements of it (verdict, AUC, ablation effects, explanation with its
/// score and the token-identity baseline, any interval fields) beside that study's random-unit null
/// for the same hook, and stand-alone explanations.
/// </summary>
internal static class UnitApi
{
    private static readonly double[] QuantileLevels = [0.01, 0.1, 0.5, 0.9, 0.99];

    public static object Dashboard(ViewerState state, string hook, int neuron, int? storeId)
    {
        if (neuron < 0) throw new RequestException(400, $"neuron: must be ≥ 0, got {neuron}");
        var entry = state.Stores.Find(hook, storeId);
        if (storeId is not null && entry is null) throw new RequestException(404, $"store: no store number {storeId}");
        object? fromStore = entry is null ? null : StorePart(state, entry, hook, neuron);
        var studies = state.Results.Studies.SelectMany(s => s.Study["candidates"]!.AsArray().OfType<JsonObject>()
            .Where(c => UnitIndex.Unit(c) is { } u && u.Hook == hook && u.Neuron == neuron)
            .Select(c => new
            {
                file = s.File.Id,
                concept = UnitIndex.Text(s.Study["concept"]),
                verdict_rule = UnitIndex.Text(s.Study["verdict_rule"]),
                ablation_method = UnitIndex.Text(s.Study["ablation_method"]),
                candidate = c.DeepClone(),
                random_baseline = NullFor(s.Study, hook, UnitIndex.Int(c["layer"]), UnitIndex.Text(c["role"])),
            })).ToList();
        var explanations = state.Results.Explanations
            .Where(e => UnitIndex.Unit(e.Explanation) is { } u && u.Hook == hook && u.Neuron == neuron)
            .Select(e => new { file = e.File.Id, explanation = e.Explanation.DeepClone() }).ToList();
        if (fromStore is null && studies.Count == 0 && explanations.Count == 0)
            throw new RequestException(404, $"{UnitIndex.Label(hook, neuron)}: no store recorded {hook} and no result mentions this unit");
        return new { hook, neuron, label = UnitIndex.Label(hook, neuron), store = fromStore, studies, explanations };
    }

    /// <summary>
    /// The study's random-unit baseline entry for this hook (or layer) and, in studies that judge roles,
    /// for the candidate's role (detector and predictor have nulls of their own), when it has one.
    /// </summary>
    private static JsonNode? NullFor(JsonObject study, string hook, int? layer, string? role) =>
        study["random_baseline"] is JsonArray list
            ? list.OfType<JsonObject>().FirstOrDefault(b => (UnitIndex.Text(b["hook"]) == hook || (layer is not null && UnitIndex.Int(b["layer"]) == layer))
                && (role is null || b["role"] is null || UnitIndex.Text(b["role"]) == role))?.DeepClone()
            : null;

    private static object StorePart(ViewerState state, Catalog.StoreCatalog.Entry entry, string hook, int neuron)
    {
        if (entry.Store is not { } store) throw new RequestException(500, entry.Error ?? $"{entry.Directory}: store not readable");
        lock (entry.Gate)
        {
            var stored = store.Hooks.FirstOrDefault(h => h.Name == hook)
                ?? throw new RequestException(404, $"hook: {hook} is not in store {entry.Directory} (it has {string.Join(", ", store.Hooks.Select(h => h.Name))})");
            if (neuron >= stored.Width) throw new RequestException(404, $"neuron: {neuron} is outside {hook}'s {stored.Width} units");
            var stats = store.Statistics(hook);
            var (edges, counts) = stats.Histogram(neuron);
            var tokenizer = Tokenizer(state);
            var contexts = store.TopContexts(hook, neuron).Select(c =>
            {
                var values = store.ReadNeuron(hook, neuron, c.Token - c.Offset, c.Ids.Length);
                var (text, raw) = tokenizer is null ? (c.Ids.Select(i => $"#{i}").ToArray(), c.Ids.Select(i => $"{i}").ToArray()) : TokenDisplay.Render(tokenizer, c.Ids);
                return new { position = c.Token, value = c.Value, focus = c.Offset, ids = c.Ids, tokens = text, raw, activations = values };
            }).ToList();
            return new
            {
                id = entry.Id,
                directory = entry.Directory,
                tokens = store.Tokens,
                statistics = new
                {
                    count = stats.Count, mean = stats.Mean(neuron), std = Math.Sqrt(stats.Variance(neuron)),
                    min = stats.Min(neuron), max = stats.Max(neuron), fraction_positive = stats.FractionPositive(neuron),
                    quantiles = QuantileLevels.Select(p => new { p, value = stats.Quantile(neuron, p) }),
                },
                histogram = new { edges, counts },
                contexts,
            };
        }
    }

    /// <summary>The main model's tokenizer, or none when there is no model (ids are shown instead).</summary>
    private static ITokenizer? Tokenizer(ViewerState state)
    {
        if (state.Models.Find("main") is not { } main) return null;
        try { return main.Load().Tokenizer; }
        catch (InputException) { return null; }
    }
}
