using System.Globalization;

namespace Interrogate.Analysis.Explanation;

/// <summary>
/// Writes an explanation as prose, in the simulator's two parts: "Token identity (each token's own mean
/// activation over 80,128 tokens): highest ' The' 2.61, ' We' 2.20. Beyond the token itself: higher on
/// capitalized words after '.', '!' or '?' (+2.10); lower on tokens inside quotes (−0.40)." Every rule
/// the simulator uses appears, with its weight; a neuron with no rule is said to have none, with the
/// threshold it missed.
/// </summary>
internal static class ExplanationText
{
    /// <param name="features">The context rules, highest weight first.</param>
    /// <param name="top">Tokens with the highest mean activation.</param>
    /// <param name="tokens">Tokens the explanation was built from.</param>
    /// <param name="minGain">Share of variance a rule had to remove to be named.</param>
    public static string Write(IReadOnlyList<ExplanationFeature> features, IReadOnlyList<TokenMean> top, int tokens, double minGain)
    {
        string text = string.Create(CultureInfo.InvariantCulture, $"Token identity (each token's own mean activation over {tokens:N0} tokens)");
        text += top.Count > 0
            ? ": highest " + string.Join(", ", top.Select(t => string.Create(CultureInfo.InvariantCulture, $"{ExplanationFeature.Quote(t.Text)} {t.Mean:0.00}"))) + "."
            : ".";
        var up = features.Where(f => f.Weight > 0).Select(Phrase).ToList();
        var down = features.Where(f => f.Weight < 0).OrderBy(f => f.Weight).Select(Phrase).ToList();
        if (up.Count == 0 && down.Count == 0)
            return text + string.Create(CultureInfo.InvariantCulture, $" Beyond the token itself: no context rule removes {minGain:0.#%} of its variance.");
        var parts = new List<string>();
        if (up.Count > 0) parts.Add("higher on " + Join(up));
        if (down.Count > 0) parts.Add("lower on " + Join(down));
        return text + " Beyond the token itself: " + string.Join("; ", parts) + ".";
    }

    private static string Phrase(ExplanationFeature f) =>
        $"{f.Description} ({f.Weight.ToString("+0.00;−0.00", CultureInfo.InvariantCulture)})";

    private static string Join(List<string> parts) => parts.Count == 1 ? parts[0] : string.Join(", ", parts[..^1]) + " and " + parts[^1];
}
