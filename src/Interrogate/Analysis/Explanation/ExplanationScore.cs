using System.Globalization;
using System.Text.Json.Serialization;

namespace Interrogate.Analysis.Explanation;

/// <summary>What the held-out gain over token identity says, read off its interval.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExplanationFinding>))]
public enum ExplanationFinding
{
    /// <summary>The whole 95% interval of the gain lies above 0: the context rules predict what token identity cannot.</summary>
    AddsToTokenIdentity,
    /// <summary>The interval includes 0: no measurable gain over each token's own mean.</summary>
    AddsNothing,
    /// <summary>The whole interval lies below 0: the rules hurt on new text (they fitted noise).</summary>
    BelowTokenIdentity,
    /// <summary>Fewer than 2 held-out windows: no interval, so no judgement.</summary>
    NotJudged,
}

/// <summary>
/// How well an explanation predicts a neuron on text it was not built from, and how much better than
/// token identity alone.
/// </summary>
/// <param name="Correlation">Pearson r of the explanation's simulation with the true activations (0 when either is constant).</param>
/// <param name="BaselineCorrelation">The same for the token-identity baseline: each token's own mean activation from the explanation's text, no context.</param>
/// <param name="ChanceLevel">1.96/√n: |r| below this is what unrelated series reach 95% of the time.</param>
/// <param name="Tokens">Held-out tokens scored.</param>
/// <param name="Gain">Correlation − BaselineCorrelation: what the explanation's context rules add.</param>
/// <param name="GainLow">Lower end of the gain's 95% interval (paired bootstrap over held-out windows; NaN with one window).</param>
/// <param name="GainHigh">Upper end of that interval.</param>
/// <param name="Windows">Held-out windows the bootstrap resampled.</param>
public sealed record ExplanationScore(double Correlation, double BaselineCorrelation, double ChanceLevel, int Tokens,
    double Gain, double GainLow, double GainHigh, int Windows)
{
    /// <summary>Read off the gain's interval: above 0, containing 0, below 0, or none.</summary>
    public ExplanationFinding Finding =>
        !(GainLow <= GainHigh) ? ExplanationFinding.NotJudged
        : GainLow > 0 ? ExplanationFinding.AddsToTokenIdentity
        : GainHigh < 0 ? ExplanationFinding.BelowTokenIdentity
        : ExplanationFinding.AddsNothing;

    /// <summary>The gain and its interval: "+0.019 (95% CI +0.012 to +0.026)".</summary>
    public string GainText => double.IsNaN(GainLow)
        ? Format($"{Gain:+0.000;−0.000;0.000} (no interval: {Windows} held-out window)")
        : Format($"{Gain:+0.000;−0.000;0.000} (95% CI {GainLow:+0.000;−0.000;0.000} to {GainHigh:+0.000;−0.000;0.000})");

    /// <summary>One sentence, every word of it from the numbers above.</summary>
    public string Summary()
    {
        string versus = Format($"held-out r {Correlation:0.000} against {BaselineCorrelation:0.000} for token identity alone, over {Tokens:N0} tokens in {Windows:N0} windows");
        string chance = Math.Abs(BaselineCorrelation) < ChanceLevel ? Format($"; token identity itself is within chance (|r| < {ChanceLevel:0.000})") : "";
        return Finding switch
        {
            ExplanationFinding.AddsToTokenIdentity => $"Adds to token identity: {versus}; gain {GainText}, above 0{chance}.",
            ExplanationFinding.BelowTokenIdentity => $"Worse than token identity alone: {versus}; gain {GainText}, below 0{chance}.",
            ExplanationFinding.AddsNothing => $"Adds nothing measurable to token identity: {versus}; gain {GainText}, which includes 0{chance}.",
            _ => $"Not judged: {versus}; gain {GainText}{chance}.",
        };
    }

    private static string Format(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
