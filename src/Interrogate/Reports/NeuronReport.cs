using Interrogate.Nn;
using System.Globalization;
using System.Net;
using System.Text;

namespace Interrogate.Reports;

/// <summary>
/// The HTML page of a concept-neuron search, one self-contained file: a headline that answers "which
/// neurons carry this concept?" with its numbers, a summary table, the thresholds, then one card per
/// neuron with its concept-vs-control histograms, max-activating contexts shaded by activation,
/// ablation effects beside the random-neuron baseline, its explanation with its held-out gain over token identity, and
/// its verdict with the numbers behind it.
/// </summary>
public static class NeuronReport
{
    public static string Build(NeuronReportData data)
    {
        var report = new HtmlReport($"Which neurons carry '{data.Concept}'?");
        AppendTo(report, data);
        return report.Build();
    }

    /// <summary>Appends the headline, summary, thresholds and neuron cards to a page (the demo report embeds them).</summary>
    public static void AppendTo(HtmlReport report, NeuronReportData data)
    {
        report.Paragraph(data.Headline ?? Headline(data));
        report.Paragraph($"Model: {data.Model}.", note: true);
        report.Heading("Summary");
        var kinds = data.Cards.SelectMany(c => c.Ablations.Select(a => a.Kind)).Distinct().ToList();
        report.Table(["neuron", "AUC", "mean on concept", "mean on control", .. kinds.Select(k => $"{k} ablation Δ concept / control"),
            "explanation: held-out gain in r over token identity (95% CI)", "verdict"], data.Cards.Select(c => SummaryRow(c, kinds)));
        foreach (var note in data.Notes) report.Paragraph(note, note: true);
        if (data.Thresholds.Count > 0)
        {
            report.Heading("Thresholds");
            report.Table(["threshold", "value", "meaning"], data.Thresholds.Select(t => (IReadOnlyList<string>)[t.Name, t.Value, t.Meaning]));
        }
        report.Heading("Neurons");
        // HtmlReport takes trusted markup only through Charts; each card is built here from escaped text and chart SVG.
        foreach (var card in data.Cards) report.Charts(Card(card, data));
    }

    /// <summary>Writes the page atomically.</summary>
    public static void Save(NeuronReportData data, string path) => IO.AtomicFile.WriteAllText(path, Build(data));

    /// <summary>"3 neurons examined for 'capitalization': 1 causal for the concept (L2.N117, AUC 0.93); 2 correlational only (…)."</summary>
    public static string Headline(NeuronReportData data)
    {
        if (data.Cards.Count == 0) return $"No neuron was examined for '{data.Concept}'.";
        var groups = data.Cards.GroupBy(c => c.Verdict).Select(g =>
            $"{g.Count()} {g.Key} ({string.Join(", ", g.Select(c => $"{c.Name}, AUC {N(c.Auc, "0.00")}"))})");
        return $"{data.Cards.Count} neuron{(data.Cards.Count == 1 ? "" : "s")} examined for '{data.Concept}': {string.Join("; ", groups)}.";
    }

    private static IReadOnlyList<string> SummaryRow(NeuronCard c, List<string> kinds) =>
    [
        c.Name, N(c.Auc, "0.000"), Mean(c.ConceptActivations), Mean(c.ControlActivations),
        .. kinds.Select(k => c.Ablations.FirstOrDefault(a => a.Kind == k) is { } a ? $"{N(a.ConceptDelta, "+0.0000;-0.0000;0")} / {N(a.ControlDelta, "+0.0000;-0.0000;0")}" : "—"),
        c.ExplanationScore is { } s ? s.GainText : "—",
        c.Verdict,
    ];

    private static string Card(NeuronCard c, NeuronReportData data)
    {
        var html = new StringBuilder();
        string tone = c.Supported switch { true => "#e6f4ea", false => "#fde8e8", null => "#f1f1f1" };
        html.Append(CultureInfo.InvariantCulture, $"<section id=\"{E(c.Name)}\" style=\"flex:1 1 100%;border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:.4em 0\">");
        html.Append(CultureInfo.InvariantCulture, $"<h3 style=\"margin:.2em 0\">{E(c.Name)} <span style=\"background:{tone};padding:.1em .5em;border-radius:4px;font-weight:normal\">{E(c.Verdict)}</span></h3>");
        html.Append(CultureInfo.InvariantCulture, $"<p>{HookNames.MlpPost(c.Layer)}[{c.Neuron}] · AUC {E(N(c.Auc, "0.000"))} · mean activation {E(Mean(c.ConceptActivations))} on concept vs {E(Mean(c.ControlActivations))} on control tokens</p>");
        if (c.Reasons.Count > 0) html.Append("<ul>").AppendJoin("", c.Reasons.Select(r => $"<li>{E(r)}</li>")).Append("</ul>");
        html.Append("<div class=\"charts\">")
            .Append(NeuronReportCharts.Histograms($"{c.Name}: activation on concept vs control", c.ConceptActivations, c.ControlActivations));
        if (c.Ablations.Count > 0) html.Append(NeuronReportCharts.Ablations($"{c.Name}: ablation effects", data.EffectLabel, c.Ablations));
        html.Append("</div>");
        if (c.Contexts.Count > 0)
        {
            html.Append("<h4 style=\"margin:.6em 0 .2em\">Max-activating contexts</h4>");
            float scale = c.Contexts.SelectMany(s => s.Activations).Select(Math.Abs).Where(float.IsFinite).DefaultIfEmpty(0).Max();
            foreach (var s in c.Contexts) html.Append(Snippet(s, scale));
        }
        if (c.Explanation is not null)
        {
            html.Append("<h4 style=\"margin:.6em 0 .2em\">Explanation</h4>").Append(CultureInfo.InvariantCulture, $"<p>{E(c.Explanation)}</p>");
            if (c.ExplanationScore is { } score) html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">{E(score.Summary())}</p>");
        }
        if (data.Thresholds.Count > 0)
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">Thresholds: {E(string.Join("; ", data.Thresholds.Select(t => $"{t.Name} {t.Value}")))}.</p>");
        return html.Append("</section>").ToString();
    }

    /// <summary>One context as a line of tokens, each shaded by its activation (red up, blue down) with the value on hover; the max is underlined.</summary>
    private static string Snippet(ContextSnippet s, float scale)
    {
        var html = new StringBuilder("<div style=\"font-family:monospace;white-space:pre-wrap;line-height:1.7;margin:.2em 0\">");
        for (int i = 0; i < s.Tokens.Count; i++)
        {
            float a = i < s.Activations.Count ? s.Activations[i] : float.NaN;
            double alpha = scale > 0 && float.IsFinite(a) ? Math.Min(1, Math.Abs(a) / scale) : 0;
            string color = a >= 0 ? $"rgba(214,39,40,{N(alpha, "0.00")})" : $"rgba(31,119,180,{N(alpha, "0.00")})";
            string focus = i == s.Focus ? ";border-bottom:2px solid #000" : "";
            string text = s.Tokens[i].Replace("\n", "↵", StringComparison.Ordinal);
            html.Append(CultureInfo.InvariantCulture, $"<span style=\"background:{color}{focus}\" title=\"{E(N(a, "0.###"))}\">{E(text)}</span>");
        }
        return html.Append("</div>").ToString();
    }

    private static string Mean(IReadOnlyList<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        return finite.Count == 0 ? "—" : N(finite.Average(), "0.000");
    }

    private static string N(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
