using System.Globalization;
using System.Text.Json.Nodes;

namespace Interrogate.Server.Catalog;

/// <summary>
/// `prune compare --json` writes one row per (method, R² floor, refit, fraction). The pruning page draws
/// curves, so the rows are grouped into one curve per method and compensation ("magnitude, means into
/// bias" beside "magnitude, least-squares refit"): choosing and refitting stay separated on the chart.
/// </summary>
internal static class ComparisonRows
{
    /// <summary>The same object with a "curves" array built from its "rows", or null when it has no such rows.</summary>
    public static JsonObject? ToCurves(JsonObject obj)
    {
        if (obj["rows"] is not JsonArray { Count: > 0 } rows || rows[0] is not JsonObject first
            || first["method"] is null || first["refit"] is null || first["fraction"] is null) return null;
        var curves = new JsonArray();
        foreach (var group in rows.OfType<JsonObject>().GroupBy(Label, StringComparer.Ordinal))
        {
            var ordered = group.OrderBy(r => (double?)r["fraction"] ?? 0).ToList();
            var curve = new JsonObject
            {
                ["method"] = group.Key,
                ["fractions"] = new JsonArray([.. ordered.Select(r => (JsonNode?)JsonValue.Create((double?)r["fraction"]))]),
                ["loss"] = new JsonArray([.. ordered.Select(r => (JsonNode?)JsonValue.Create((double?)r["loss"]))]),
            };
            if (ordered.Any(r => r["accuracy"] is JsonValue))
                curve["accuracy"] = new JsonArray([.. ordered.Select(r => (JsonNode?)JsonValue.Create((double?)r["accuracy"]))]);
            curves.Add(curve);
        }
        var result = new JsonObject { ["curves"] = curves };
        foreach (var key in new[] { "baseline", "unit", "chosen_on", "reported_on", "choice_and_refit" })
            if (obj[key] is { } value) result[key] = value.DeepClone();
        return result;
    }

    private static string Label(JsonObject row)
    {
        var method = row["method"]?.ToString() ?? "?";
        if (row["min_r2"] is JsonValue r2 && r2.TryGetValue(out double floor))
            method += string.Create(CultureInfo.InvariantCulture, $" (R² ≥ {floor:G3})");
        bool refit = row["refit"] is JsonValue v && v.TryGetValue(out bool b) && b;
        return method + (refit ? ", least-squares refit" : ", means into bias");
    }
}
