using Interrogate.Server;
using Interrogate.Tests.Demo;
using Interrogate.Tests.Models;
using Interrogate.Text;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Interrogate.Tests.Server;

/// <summary>
/// The viewer in Debian's chromium through Playwright, on a server the test starts: model page → a unit
/// → search → the studied unit → trace a prompt, checking what each page rendered; and a 1,024-token
/// trace whose attention hover must stay responsive. A failing test leaves a screenshot in artifacts/.
/// </summary>
[Trait("Category", "Browser")]
[Collection(ServeTimingCollection.Name)]
public sealed class ViewerBrowserTests(ViewerFixture f, ITestOutputHelper output) : IClassFixture<ViewerFixture>
{
    [RequiresChromiumFact]
    public Task ModelUnitSearchTrace_RendersEachPage() => InBrowser("serve-walk", f.Server.Url, async page =>
    {
        await page.GotoAsync(f.Server.Url.AbsoluteUri);
        await Expect(page.Locator("#model-name")).ToContainTextAsync("sotu-small");
        Assert.True(await page.Locator("#hook-points tr").CountAsync() > 40, "hook points table is short");
        Assert.Contains("manifest.json", await page.Locator(".problem").AllInnerTextsAsync() is var p ? string.Join("\n", p) : "", StringComparison.Ordinal);

        await page.Locator("#stores a.unit-link").First.ClickAsync();
        await Expect(page.Locator("#unit-title")).ToContainTextAsync("L0.N0");
        Assert.True(await page.Locator("#histogram rect").CountAsync() > 3, "histogram has no bars");
        Assert.Equal(10, await page.Locator(".context").CountAsync());
        Assert.Equal(10, await page.Locator(".context .tok.focus").CountAsync());

        await page.Locator("nav a[href='#/search']").ClickAsync();
        await page.Locator("#search-input").FillAsync("capitalized after");
        await page.Locator("#search-input").PressAsync("Enter");
        await Expect(page.Locator("#search-results a.unit-link")).ToHaveCountAsync(1);   // the empty search listed both studied units
        await Expect(page.Locator("#search-results a.unit-link")).ToHaveTextAsync("L0.N231");
        await page.Locator("#search-results a.unit-link").ClickAsync();
        await Expect(page.Locator(".study .verdict")).ToHaveTextAsync("responsible");
        Assert.True(await page.Locator(".study-chart circle").CountAsync() >= 3, "ablation effects and the null are not drawn");
        Assert.Equal(1, await page.Locator(".study-chart .null-band").CountAsync());
        Assert.Equal(10, await page.Locator(".context").CountAsync());

        await page.Locator("nav a[href='#/trace']").ClickAsync();
        await page.Locator("#trace-text").FillAsync("The President of the United");
        await page.Locator("#trace-neuron").FillAsync("0.231");
        await page.Locator("#trace-run").ClickAsync();
        await Expect(page.Locator("#predicted-token")).ToHaveTextAsync(" States");
        Assert.True(await page.Locator("#dla tr").CountAsync() >= 4 * 4 + 4 + 2, "direct logit attribution rows missing");
        await Expect(page.Locator("#neuron-title")).ToContainTextAsync("L0.N231");
        await Expect(page.Locator("#attention-canvas")).ToHaveAttributeAsync("width", "6");
        await page.Locator("#trace-tokens .tok").Nth(3).HoverAsync();
        await Expect(page.Locator("#attn-info")).ToHaveAttributeAsync("data-query", "3");
        await page.ScreenshotAsync(new() { Path = Path.Combine(ArtifactsFolder(), "serve-trace.png"), FullPage = true });

        await page.Locator("nav a[href='#/pruning']").ClickAsync();
        await Expect(page.Locator(".comparison svg .series")).ToHaveCountAsync(2);
        await page.Locator("nav a[href='#/experiments']").ClickAsync();
        await Expect(page.Locator(".experiment table tr")).ToHaveCountAsync(3);
        Assert.Equal(4, await page.Locator(".experiment svg .series").CountAsync());

        await page.GotoAsync(f.Server.Url.AbsoluteUri + "#/unit/blocks.0.mlp.hook_post/231");
        await Expect(page.Locator(".study .verdict")).ToHaveTextAsync("responsible");
        await page.ScreenshotAsync(new() { Path = Path.Combine(ArtifactsFolder(), "serve-unit.png"), FullPage = true });
    });

    [RequiresChromiumFact]
    public async Task Trace_1024Tokens_HoverStaysResponsive()
    {
        // A random GPT-2 with a 1,024-token context and the shipped tokenizer (the shipped model's context is 128).
        var modelDir = Path.Combine(f.Root, "ctx1024");
        ModelKit.Gpt2(new Interrogate.Models.Gpt2.Gpt2Config { VocabSize = 4096, ContextLength = 1024, DModel = 32, Layers = 2, Heads = 4, Inner = 64 }, seed: 9).Save(modelDir);
        File.Copy(Path.Combine(ViewerFixture.ShippedModel(), "tokenizer.json"), Path.Combine(modelDir, "tokenizer.json"), overwrite: true);
        var tokenizer = TokenizerLoader.FromDirectory(modelDir);
        var words = string.Concat(Enumerable.Repeat("The President of the United States said that ", 200));
        var text = tokenizer.Decode(tokenizer.Encode(words).AsSpan(0, 1000));
        await using var server = await ViewerServer.StartAsync(new ServeOptions { ModelDirectory = modelDir, Port = 0 });
        await InBrowser("serve-1024", server.Url, async page =>
        {
            await page.GotoAsync(server.Url.AbsoluteUri + "#/trace");
            await page.Locator("#trace-text").FillAsync(text);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await page.Locator("#trace-run").ClickAsync();
            await Expect(page.Locator("#attention-canvas")).ToHaveAttributeAsync("width", new System.Text.RegularExpressions.Regex("^(99\\d|10\\d\\d)$"), new() { Timeout = 90_000 });
            double traceSeconds = clock.Elapsed.TotalSeconds;
            int tokens = int.Parse(await page.Locator("#attention-canvas").GetAttributeAsync("width") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            int nodes = await page.EvaluateAsync<int>("document.getElementsByTagName('*').length");
            var status = await page.Locator("#trace-status").InnerTextAsync();
            // 100 hovers across the pattern, each waited to its painted frame.
            double ms = await page.EvaluateAsync<double>("""
                async () => {
                  const c = document.getElementById('attention-canvas'), r = c.getBoundingClientRect(), t0 = performance.now();
                  for (let i = 0; i < 100; i++) {
                    c.dispatchEvent(new MouseEvent('mousemove', { clientX: r.left + r.width * ((i * 37) % 100) / 100, clientY: r.top + r.height * ((i * 61) % 100) / 100, bubbles: true }));
                    await new Promise(requestAnimationFrame); await new Promise(requestAnimationFrame);
                  }
                  return (performance.now() - t0) / 100;
                }
                """);
            var line = $"1,024-context model: {tokens} tokens traced and drawn in {traceSeconds:F2} s (browser clock; page: {status}); {nodes} DOM nodes; {ms:F1} ms per hover frame";
            output.WriteLine(line);
            Console.WriteLine(line);
            Assert.InRange(tokens, 990, 1024);
            Assert.True(nodes < 6000, $"{nodes} DOM nodes for a {tokens}-token trace");
            Assert.True(ms < 100, line);
            Assert.NotEmpty(await page.Locator("#attn-info").GetAttributeAsync("data-query") ?? "");
        });
    }

    private static ILocatorAssertions Expect(ILocator l) => Assertions.Expect(l);

    /// <summary>Runs a browser check; on failure saves a full-page screenshot to artifacts/ and says where.</summary>
    private async Task InBrowser(string name, Uri url, Func<IPage, Task> check)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = RequiresChromiumFactAttribute.Chromium, Headless = true, Args = ["--no-sandbox"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1300, Height = 900 } });
        page.SetDefaultTimeout(15_000);
        try { await check(page); }
        catch
        {
            var shot = Path.Combine(ArtifactsFolder(), $"{name}-failure.png");
            await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
            output.WriteLine($"screenshot of the failure ({url}): {shot}");
            throw;
        }
    }

    private static string ArtifactsFolder()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Interrogate.slnx"))) return Directory.CreateDirectory(Path.Combine(d.FullName, "artifacts")).FullName;
        return Path.GetTempPath();
    }
}

/// <summary>The timed viewer tests (load test, browser) run one after another, not beside each other.</summary>
[CollectionDefinition(Name)]
public sealed class ServeTimingCollection
{
    public const string Name = "serve timing";
}
