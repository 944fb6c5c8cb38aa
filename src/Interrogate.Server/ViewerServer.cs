using System.Net;
using Interrogate.Server.Api;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Interrogate.Server;

/// <summary>
/// `interrogate serve`: a Kestrel server over <see cref="ViewerState"/>. Built from an empty host (no
/// appsettings, no static-file provider: nothing is read from disk but the given folders), with
/// the request body capped by Kestrel (413) and every error answered as {"error": "..."}.
/// <code>
/// await using var server = await ViewerServer.StartAsync(new ServeOptions { ModelDirectory = "models/sotu-small", Port = 0 });
/// Console.WriteLine(server.Url);
/// </code>
/// </summary>
public sealed class ViewerServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private ViewerServer(WebApplication app, ViewerState state, Uri url) => (this.app, State, Url) = (app, state, url);

    public ViewerState State { get; }
    /// <summary>The address it listens on, with the port actually bound.</summary>
    public Uri Url { get; }

    public static async Task<ViewerServer> StartAsync(ServeOptions options, CancellationToken cancel = default)
    {
        var address = options.Host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(options.Host, out var parsed) ? parsed : throw new InputException($"--host: '{options.Host}' is not an IP address (use 127.0.0.1, ::1 or 0.0.0.0)");
        if (options.Port is < 0 or > 65535) throw new InputException($"--port: {options.Port} is not a TCP port (0 to 65535)");
        if (options.ModelDirectory is { } m && !Directory.Exists(m)) throw new InputException($"--model: {m}: model folder not found");
        var state = new ViewerState(options);
        if (state.Models.Find("main") is { } main)
        {
            try { main.Load(); }   // a broken model shows on its pages; the rest is still served
            catch (InputException) { }
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            k.Listen(address, options.Port);
        });
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Use(Guard);
        Map(app, state);
        await app.StartAsync(cancel);
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        var url = new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal));
        return new ViewerServer(app, state, url);
    }

    /// <summary>Turns every failure into a JSON error with the right status; the server keeps running.</summary>
    private static async Task Guard(HttpContext context, RequestDelegate next)
    {
        try { await next(context); }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            (int status, string message) = e switch
            {
                RequestException r => (r.Status, r.Message),
                BadHttpRequestException b => (b.StatusCode, b.StatusCode == 413 ? "request body too large" : b.Message),
                System.Text.Json.JsonException => (400, "request body is not the JSON this endpoint expects"),
                InputException i => (400, i.Message),
                _ => (500, $"{e.GetType().Name}: {e.Message}"),
            };
            context.Response.Clear();
            await ApiJson.Error(status, message.ReplaceLineEndings(" ")).ExecuteAsync(context);
        }
    }

    private static void Map(WebApplication app, ViewerState state)
    {
        app.MapGet("/", () => StaticAssets.Serve("index.html"));
        app.MapGet("/assets/{name}", (string name) => StaticAssets.Serve(name));
        app.MapGet("/api/overview", () => ApiJson.Ok(Overview(state)));
        app.MapGet("/api/model", (string? id) => ApiJson.Ok(ModelApi.Describe(state, id)));
        app.MapGet("/api/unit", (string? hook, int? neuron, int? store) => ApiJson.Ok(UnitApi.Dashboard(state,
            hook ?? throw new RequestException(400, "hook: missing (e.g. blocks.0.mlp.hook_post)"),
            neuron ?? throw new RequestException(400, "neuron: missing"), store)));
        app.MapGet("/api/search", (string? q, string? verdict, int? limit) =>
            ApiJson.Ok(new { query = q ?? "", verdict, verdicts = state.Search.Verdicts, units = state.Search.Find(q, verdict, Math.Clamp(limit ?? 100, 1, 1000)) }));
        // Typed as returning IResult: a lambda of HttpContext alone would bind as a RequestDelegate and drop its result.
        app.MapPost("/api/trace", (Func<HttpContext, Task<IResult>>)(async c => ApiJson.Ok(TraceApi.Trace(state, await Body<TraceRequest>(c)))));
        app.MapPost("/api/attention", (Func<HttpContext, Task<IResult>>)(async c => ApiJson.Ok(TraceApi.Attention(state, await Body<AttentionRequest>(c)))));
        app.MapGet("/api/pruning", () => ApiJson.Ok(ResultsApi.Pruning(state)));
        app.MapGet("/api/experiments", () => ApiJson.Ok(ResultsApi.Experiments(state)));
        app.MapGet("/api/files/{root:int}/{**path}", (int root, string path) => ResultsApi.File(state, root, path));
        app.MapFallback((Func<HttpContext, IResult>)(c => ApiJson.Error(404, $"{c.Request.Path}: no such page or API")));
    }

    private static async Task<T> Body<T>(HttpContext context) =>
        await context.Request.ReadFromJsonAsync<T>(ApiJson.Options, context.RequestAborted)
        ?? throw new RequestException(400, "request body: expected a JSON object");

    private static object Overview(ViewerState state) => new
    {
        models = state.Models.Entries.Select(m => new { id = m.Id, name = m.Name, directory = m.Directory, error = m.Error }),
        stores = state.Stores.Entries.Select(e => new
        {
            id = e.Id, directory = e.Directory, error = e.Error, tokens = e.Store?.Tokens,
            hooks = e.Store?.Hooks.Select(h => new { name = h.Name, width = h.Width }),
        }),
        results = state.Options.Results.Select(Path.GetFullPath),
        studies = state.Results.Studies.Select(s => new { file = s.File.Id, concept = UnitIndex.Text(s.Study["concept"]), candidates = s.Study["candidates"]!.AsArray().Count }),
        comparisons = state.Results.Comparisons.Count,
        experiments = state.Results.Experiments.Count,
        explanations = state.Results.Explanations.Count,
        files = state.Results.Files.Select(f => f.Id),
        problems = state.Problems,
        limits = new { max_request_bytes = state.Options.MaxRequestBytes, max_trace_characters = state.Options.MaxTraceCharacters, max_trace_tokens = state.Options.MaxTraceTokens },
    };

    public async Task StopAsync() => await app.StopAsync();

    /// <summary>Runs until <paramref name="cancel"/> fires (Ctrl-C in the CLI), then stops cleanly.</summary>
    public async Task WaitAsync(CancellationToken cancel)
    {
        try { await Task.Delay(Timeout.Infinite, cancel); }
        catch (OperationCanceledException) { }
        // A browser's keep-alive connections would hold a graceful stop for the host's 30 s default;
        // after Ctrl-C give requests in flight a few seconds, then close what is left.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(grace.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        State.Dispose();
    }
}
