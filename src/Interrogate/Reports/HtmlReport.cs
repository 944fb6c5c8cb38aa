using System.Net;
using System.Text;
using Interrogate.IO;

namespace Interrogate.Reports;

/// <summary>
/// Builds one self-contained HTML page: inline CSS, inline SVG, no scripts or external assets, so
/// a report can be mailed or archived as a single file. Text is escaped; SVG from the Svg* charts is trusted.
/// </summary>
public sealed class HtmlReport(string title)
{
    private readonly StringBuilder body = new();
    private bool sectionOpen;

    private const string Css = """
        body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
        h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
        th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
        th{background:#f4f4f4}tr.base td{background:#f7fbff}
        .charts{display:flex;flex-wrap:wrap;gap:1em}.answers li{margin:.35em 0}.note{color:#555;font-size:.9em}
        pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.85em}
        """;

    /// <summary>Starts a <c>&lt;section id="…"&gt;</c> with a heading, closing the previous section; lets a page link to and test each part.</summary>
    public HtmlReport Section(string id, string heading)
    {
        CloseSection();
        body.Append("<section id=\"").Append(Escape(id)).Append("\">\n");
        sectionOpen = true;
        return Heading(heading);
    }

    /// <summary>Appends trusted markup as is (HTML built by another report part, already escaped).</summary>
    public HtmlReport Html(string trustedMarkup)
    {
        body.Append(trustedMarkup).Append('\n');
        return this;
    }

    public HtmlReport Heading(string text)
    {
        body.Append("<h2>").Append(Escape(text)).Append("</h2>\n");
        return this;
    }

    public HtmlReport Paragraph(string text, bool note = false)
    {
        body.Append(note ? "<p class=\"note\">" : "<p>").Append(Escape(text)).Append("</p>\n");
        return this;
    }

    public HtmlReport Preformatted(string text)
    {
        body.Append("<pre>").Append(Escape(text)).Append("</pre>\n");
        return this;
    }

    /// <summary>A table; cells that parse as numbers (or start with a sign or digit) are right-aligned. highlightRow: index of a row to shade, or -1.</summary>
    public HtmlReport Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, int highlightRow = -1)
    {
        body.Append("<table><thead><tr>");
        foreach (var h in headers) body.Append("<th>").Append(Escape(h)).Append("</th>");
        body.Append("</tr></thead><tbody>\n");
        int i = 0;
        foreach (var row in rows)
        {
            body.Append(i++ == highlightRow ? "<tr class=\"base\">" : "<tr>");
            foreach (var cell in row)
                body.Append(IsNumeric(cell) ? "<td class=\"n\">" : "<td>").Append(Escape(cell)).Append("</td>");
            body.Append("</tr>\n");
        }
        body.Append("</tbody></table>\n");
        return this;
    }

    /// <summary>Charts side by side, wrapping on narrow screens. Each is an SVG element string.</summary>
    public HtmlReport Charts(params string[] svgs)
    {
        body.Append("<div class=\"charts\">");
        foreach (var svg in svgs) body.Append(svg).Append('\n');
        body.Append("</div>\n");
        return this;
    }

    public string Build()
    {
        CloseSection();
        return $"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{Escape(title)}</title><style>{Css}</style></head>\n<body><h1>{Escape(title)}</h1>\n{body}</body></html>\n";
    }

    private void CloseSection()
    {
        if (sectionOpen) body.Append("</section>\n");
        sectionOpen = false;
    }

    /// <summary>Writes the page atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, Build());

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static bool IsNumeric(string cell) => cell.Length > 0 && (char.IsDigit(cell[0]) || (cell.Length > 1 && cell[0] is '-' or '+' or '−' && char.IsDigit(cell[1])));
}
