using Interrogate.Formats;

namespace Interrogate.Models.Transformer;

/// <summary>
/// Which layers use sliding-window attention: config.json's <c>layer_types</c> list
/// ("sliding_attention" / "full_attention") when present, else the architecture's own rule.
/// </summary>
public static class LayerWindows
{
    /// <summary>One flag per layer, true where the layer attends through the sliding window.</summary>
    public static bool[] Read(HfConfig c, int layers, Func<int, bool> defaultRule)
    {
        var types = c.TryGetStringList("layer_types");
        if (types is null) return [.. Enumerable.Range(0, layers).Select(defaultRule)];
        if (types.Length != layers)
            throw InputException.ForFile(c.Path, $"layer_types lists {types.Length} layers but num_hidden_layers is {layers}");
        return [.. types.Select(t => t switch
        {
            "sliding_attention" => true,
            "full_attention" => false,
            _ => throw InputException.ForFile(c.Path, $"layer_types entry '{MessageText.Printable(t)}' is not supported (sliding_attention or full_attention)"),
        })];
    }

    /// <summary>The layer_types list for config.json.</summary>
    public static System.Text.Json.Nodes.JsonArray ToHf(bool[] sliding) =>
        new([.. sliding.Select(s => System.Text.Json.Nodes.JsonValue.Create(s ? "sliding_attention" : "full_attention"))]);
}
