using System.Diagnostics;
using Interrogate.Server;
using Interrogate.Store;
using Interrogate.Tests.Models;
using Xunit.Abstractions;

namespace Interrogate.Tests.Server;

/// <summary>
/// Large stores stay fast: a 100,096-token × 2,048-unit store (float16, recorded here by the real recorder
/// from a random one-layer GPT-2 with 2,048 MLP neurons on fixed-seed random tokens; a small model keeps
/// the recording to seconds, and the dashboards only read the store) behind a real server, 200 dashboard requests over
/// loopback from 4 concurrent clients, p50/p95 printed, p95 under 1 s asserted.
/// </summary>
[Trait("Category", "Slow")]
[Collection(ServeTimingCollection.Name)]
public sealed class ViewerLoadTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "interrogate-serve-load-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Dashboards_100kBy2048Store_P95UnderOneSecond()
    {
        var model = ModelKit.Gpt2(new Interrogate.Models.Gpt2.Gpt2Config { VocabSize = 4096, ContextLength = 128, DModel = 16, Layers = 1, Heads = 2, Inner = 2048 }, seed: 3);
        int window = model.Dimensions.ContextLength, windows = (100_000 + window - 1) / window;
        string[] hooks = ["blocks.0.mlp.hook_post"];
        const int Units = 2048;
        var clock = Stopwatch.StartNew();
        ActivationRecorder.Record(model, "random-gpt2-2048", TokenSource.FromArray(ModelKit.RandomIds(windows * window, model.Dimensions.VocabSize, seed: 11), "random"), dir,
            new ActivationStoreOptions { Hooks = hooks });
        output.WriteLine($"recorded {windows * window:N0} tokens × {Units:N0} units in {clock.Elapsed.TotalSeconds:F1} s");

        await using var server = await ViewerServer.StartAsync(new ServeOptions { ModelDirectory = ViewerFixture.ShippedModel(), Stores = [dir], Port = 0 });
        using var http = new HttpClient { BaseAddress = server.Url };
        var overview = await http.GetStringAsync("/api/overview");
        Assert.Contains("\"tokens\":100096", overview, StringComparison.Ordinal);

        var rng = new Random(5);
        var paths = Enumerable.Range(0, 200).Select(_ => $"/api/unit?hook={hooks[rng.Next(hooks.Length)]}&neuron={rng.Next(Units)}").ToArray();
        var latencies = new double[paths.Length];
        int next = -1;
        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < paths.Length;)
            {
                var t = Stopwatch.StartNew();
                using var r = await http.GetAsync(paths[i]);
                var body = await r.Content.ReadAsStringAsync();
                latencies[i] = t.Elapsed.TotalMilliseconds;
                Assert.True(r.IsSuccessStatusCode, body);
                Assert.Contains("\"contexts\"", body, StringComparison.Ordinal);
            }
        }));
        double wall = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        double p50 = Percentile(latencies, 0.50), p95 = Percentile(latencies, 0.95);
        var line = $"200 dashboards, 4 clients, 100,096 × 2,048 store: p50 {p50:F1} ms, p95 {p95:F1} ms, max {latencies[^1]:F1} ms, {200 / wall:F0} requests/s";
        output.WriteLine(line);
        Console.WriteLine(line);
        Assert.True(p95 < 1000, line);
    }

    private static double Percentile(double[] sorted, double p) => sorted[(int)Math.Ceiling(p * sorted.Length) - 1];

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }
}
