using Interrogate.Tests.Cli;
using Microsoft.Playwright;

namespace Interrogate.Tests.Demo;

/// <summary>Skips a test, visibly, when Debian's chromium is not installed (.ci/run installs it).</summary>
public sealed class RequiresChromiumFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public RequiresChromiumFactAttribute()
    {
        if (!File.Exists(Chromium)) Skip = $"{Chromium} is not installed (apt-get install chromium): the demo report is not checked in a browser";
    }
}

/// <summary>
/// Runs `interrogate demo --quick` on the shipped model, opens report.html in chromium through Playwright,
/// and checks that every section and every plot rendered with a real size; keeps a full-page screenshot.
/// </summary>
[Trait("Category", "Browser")]
public sealed class DemoReportBrowserTests : IDisposable
{
    private static readonly string[] Sections = ["trace", "capitalization", "features", "redundancy", "pruning", "finetune", "mnist"];
    private readonly string dir = Path.Combine(Path.GetTempPath(), "interrogate-demo-" + Guid.NewGuid().ToString("N"));

    [RequiresChromiumFact]
    public async Task Demo_Quick_ReportRendersEverySectionAndPlot()
    {
        var run = CliRunner.Run("demo", "--quick", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var report = Path.Combine(dir, "report.html");
        Assert.True(File.Exists(report));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = RequiresChromiumFactAttribute.Chromium, Headless = true, Args = ["--no-sandbox"],
        });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(report).AbsoluteUri);

        Assert.Equal(Sections.Length, await page.Locator("#answers li").CountAsync());
        foreach (var id in Sections)
        {
            var section = page.Locator($"section#{id}");
            Assert.True(await section.IsVisibleAsync(), $"section {id} is not visible");
            var plots = section.Locator("svg");
            int count = await plots.CountAsync();
            Assert.True(count > 0, $"section {id} has no plot");
            for (int i = 0; i < count; i++)
            {
                var box = await plots.Nth(i).BoundingBoxAsync();
                Assert.True(box is { Width: > 100, Height: > 100 }, $"plot {i} of section {id} did not render with a size");
                Assert.True(await plots.Nth(i).Locator("path, rect, line, polyline, circle").CountAsync() > 3, $"plot {i} of section {id} is empty");
            }
        }
        var screenshot = Path.Combine(dir, "report.png");
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 20_000, "the screenshot is suspiciously small");
        CopyScreenshotForHumans(screenshot);
    }

    /// <summary>Keeps the latest screenshot under artifacts/ (ignored by git) at the repository root, when there is one.</summary>
    private static void CopyScreenshotForHumans(string screenshot)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Interrogate.slnx")))
            {
                Directory.CreateDirectory(Path.Combine(d.FullName, "artifacts"));
                File.Copy(screenshot, Path.Combine(d.FullName, "artifacts", "demo-report.png"), overwrite: true);
                return;
            }
    }

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }
}
