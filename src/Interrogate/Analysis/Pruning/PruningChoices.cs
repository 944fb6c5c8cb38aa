using System.Text.Json.Serialization;

namespace Interrogate.Analysis.Pruning;

/// <summary>How neurons (or, for <see cref="Magnitude"/> and <see cref="Wanda"/> with --unstructured, single weights) are ranked for removal.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PruningMethod>))]
public enum PruningMethod
{
    [JsonStringEnumMemberName("magnitude")] Magnitude,
    [JsonStringEnumMemberName("wanda")] Wanda,
    [JsonStringEnumMemberName("ablation")] Ablation,
    [JsonStringEnumMemberName("taylor")] Taylor,
    [JsonStringEnumMemberName("redundancy")] Redundancy,
}

/// <summary>
/// What chooses the units an exact method measures: none (every unit, as always), or attribution patching
/// (<see cref="AtpEstimate"/>): only its shortlist is measured exactly (<see cref="ScreenedAblationMethod"/>).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<PruningScreen>))]
public enum PruningScreen
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("atp")] Atp,
}

/// <summary>When unstructured pruning happens: in prune-then-tune rounds (1 = one-shot), or gradually while tuning (<see cref="GradualSchedule"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PruningSchedule>))]
public enum PruningSchedule
{
    [JsonStringEnumMemberName("rounds")] Rounds,
    [JsonStringEnumMemberName("gradual")] Gradual,
}

/// <summary>
/// How unstructured magnitude pruning spreads the removed fraction over the weight matrices. Global: one
/// |W| threshold over all matrices (big, redundant first layers lose most; a small last layer can be
/// starved). Uniform: every matrix loses the same fraction. Lamp: one threshold over LAMP scores (Lee et
/// al. 2021), which lets each matrix's own distribution set its share and never empties a matrix.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<WeightAllocation>))]
public enum WeightAllocation
{
    [JsonStringEnumMemberName("global")] Global,
    [JsonStringEnumMemberName("uniform")] Uniform,
    [JsonStringEnumMemberName("lamp")] Lamp,
}

/// <summary>The names users type for the pruning enums (lower case), and parsing them with an error that names the flag.</summary>
public static class PruningChoices
{
    /// <summary>The name a flag takes for <paramref name="value"/>: "magnitude", "gradual", "lamp".</summary>
    public static string Name<T>(this T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    /// <summary>Every value's name, in declaration order.</summary>
    public static IReadOnlyList<string> Names<T>() where T : struct, Enum => [.. Enum.GetValues<T>().Select(v => v.Name())];

    /// <summary>The value named <paramref name="text"/>; an InputException "FLAG: unknown WHAT 'text' (known: …)" otherwise.</summary>
    public static T Parse<T>(string text, string flag, string what) where T : struct, Enum
    {
        foreach (var v in Enum.GetValues<T>())
            if (v.Name() == text) return v;
        throw new InputException($"{flag}: unknown {what} '{Formats.MessageText.Printable(text)}' (known: {string.Join(", ", Names<T>())})");
    }
}
