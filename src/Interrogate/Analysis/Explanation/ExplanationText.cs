using System.Globalization;

namespace Interrogate.Analysis.Explanation;

/// <summary>
/// Writes an explanation's rules as prose: "Fires on capitalized words after '.', '!' or '?' (+2.10)
/// and the tokens ' The' (+0.52), ' We' (+0.31); weaker on punctuation (−0.40). Strongest tokens:
/// ' The' 2.61, ' We' 2.20." Every rule the simulator uses appears, with its weight.
/// </summary>
internal static class ExplanationText
{
    public static string Write(IReadOnlyList<ExplanationFeature> features, IReadOnlyList<TokenMean> top, double mean)
    {
        var up = Phrases(features.Where(f => f.Weight > 0).ToList());
        var down = Phrases(features.Where(f => f.Weight < 0).OrderBy(f => f.Weight).ToList());
        string text = up.Count > 0
            ? "Fires on " + Join(up) + (down.Count > 0 ? "; weaker on " + Join(down) : "") + "."
            : down.Count > 0
                ? "Quieter on " + Join(down) + " than elsewhere."
                : string.Create(CultureInfo.InvariantCulture, $"No simple rule: none explains a noticeable share of its variance (mean activation {mean:0.00}).");
        if (top.Count > 0)
            text += " Strongest tokens: " + string.Join(", ", top.Select(t => string.Create(CultureInfo.InvariantCulture,
                $"{ExplanationFeature.Quote(t.Text)} {t.Mean:0.00}"))) + ".";
        return text;
    }

    /// <summary>Rules in order, with the token rules gathered into one "the tokens …" phrase at the first one's place.</summary>
    private static List<string> Phrases(List<ExplanationFeature> features)
    {
        var phrases = new List<string>();
        var tokens = features.Where(f => f.Token is not null).ToList();
        foreach (var f in features)
        {
            if (f.Token is null) phrases.Add($"{f.Description} ({Weight(f)})");
            else if (f == tokens[0])
                phrases.Add((tokens.Count == 1 ? "the token " : "the tokens ") + string.Join(", ", tokens.Select(t => $"{t.Description} ({Weight(t)})")));
        }
        return phrases;
    }

    private static string Join(List<string> parts) => parts.Count == 1 ? parts[0] : string.Join(", ", parts[..^1]) + " and " + parts[^1];

    private static string Weight(ExplanationFeature f) => f.Weight.ToString("+0.00;−0.00", CultureInfo.InvariantCulture);
}
