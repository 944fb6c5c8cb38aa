namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// The two ways a unit can serve a concept, each with its own aligned encoding label and causal
/// measurement (position t predicts token t+1).
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(KebabEnumConverter<ConceptRole>))]
public enum ConceptRole
{
    /// <summary>Encodes that the current token t is a concept token (activation at t vs label of t); used when ablating it hurts the predictions made from concept positions (t → t+1).</summary>
    Detector,
    /// <summary>Encodes that the next token is a concept token (activation at t vs label of t+1); used when ablating it hurts the prediction of concept tokens.</summary>
    Predictor,
}

public static class ConceptRoles
{
    public static readonly IReadOnlyList<ConceptRole> Both = [ConceptRole.Detector, ConceptRole.Predictor];

    /// <summary>The stable name used in JSON and tables: detector, predictor.</summary>
    public static string Name(this ConceptRole role) => role == ConceptRole.Detector ? "detector" : "predictor";

    /// <summary>
    /// The encoding label of each position in this role: the token's own label (detector) or the next
    /// token's (predictor; the last position of the stream has none and counts as out).
    /// labels: [n] concept label of each token. Result: [n].
    /// </summary>
    public static bool[] EncodingLabels(this ConceptRole role, bool[] labels) =>
        role == ConceptRole.Detector ? labels : [.. labels.Select((_, i) => i + 1 < labels.Length && labels[i + 1])];
}
