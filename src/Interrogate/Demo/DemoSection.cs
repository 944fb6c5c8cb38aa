using Interrogate.Reports;

namespace Interrogate.Demo;

/// <summary>
/// One question of the demo: its answer in one sentence with its numbers (the report opens with these),
/// the numbers behind it for <c>--json</c>, and how to draw it in the report.
/// </summary>
public sealed record DemoSection(string Id, string Question, string Answer, object Data, Action<HtmlReport> Render)
{
    /// <summary>Seconds the section took to compute.</summary>
    public double Seconds { get; init; }
}
