using System.Net;
using System.Text;
using Interrogate.Reports;

namespace Interrogate.Demo;

/// <summary>
/// The demo's one self-contained page: first every question with its one-sentence answer (linked to its
/// section), then one section per question with the tables and plots behind the answer.
/// </summary>
public static class DemoReport
{
    public static string Build(IReadOnlyList<DemoSection> sections, string modelDescription, double seconds)
    {
        var report = new HtmlReport("Interrogate: what this network computes, with evidence");
        report.Paragraph($"Model: {modelDescription}. Every number below was measured in this run ({seconds:F0} s).", note: true);
        var answers = new StringBuilder("<ol class=\"answers\" id=\"answers\">");
        foreach (var s in sections)
            answers.Append("<li><a href=\"#").Append(WebUtility.HtmlEncode(s.Id)).Append("\"><b>")
                .Append(WebUtility.HtmlEncode(s.Question)).Append("</b></a> ").Append(WebUtility.HtmlEncode(s.Answer)).Append("</li>");
        report.Html(answers.Append("</ol>").ToString());
        foreach (var s in sections)
        {
            report.Section(s.Id, s.Question);
            report.Paragraph(s.Answer);
            s.Render(report);
            report.Paragraph($"Computed in {s.Seconds:F1} s.", note: true);
        }
        return report.Build();
    }
}
