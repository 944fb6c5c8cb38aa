using System.CommandLine;
using System.Net;
using Interrogate.Server;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate serve`: the local, offline viewer of a model, its activation stores and results.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Language model folder (default: the shipped models/sotu-small when found)" };
        var stores = new Option<string[]>("--store") { Description = "Activation store folder (repeatable)", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var results = new Option<string[]>("--results") { Description = "Folder of results: neurons/prune compare/explain --json files, demo result.json, experiment .db, pruned models (repeatable)", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var port = new Option<int>("--port") { Description = "TCP port (0: any free port)", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "Address to listen on; anything but loopback exposes the viewer to the network", DefaultValueFactory = _ => "127.0.0.1" };
        var command = new Command("serve", "A local viewer in the browser: model, unit dashboards, search, trace explorer, pruning, experiments (no network needed)")
        {
            model, stores, results, port, host,
        };
        command.SetAction(async (parsed, cancel) =>
        {
            var options = new ServeOptions
            {
                ModelDirectory = parsed.GetValue(model) ?? DefaultModel(),
                Stores = parsed.GetValue(stores)!,
                Results = parsed.GetValue(results)!,
                Port = parsed.GetValue(port),
                Host = parsed.GetValue(host)!,
            };
            foreach (var dir in options.Stores.Concat(options.Results))
                if (!Directory.Exists(dir)) throw new InputException($"{dir}: folder not found (--store and --results take folders)");
            if (parsed.GetValue(model) is { } given)   // named by the user: a broken folder is refused now, not shown later as the viewer's only model
            {
                Models.Transformer.TransformerLoader.Check(given);
                Text.TokenizerLoader.FromDirectory(given);
            }
            return await Serve(options, cancel);
        });
        return command;
    }

    /// <summary>Starts the viewer, prints its URL and what it could not read, and serves until Ctrl-C.</summary>
    public static async Task<int> Serve(ServeOptions options, CancellationToken cancel)
    {
        if (IPAddress.TryParse(options.Host, out var ip) && !IPAddress.IsLoopback(ip))
            Console.Error.WriteLine($"warning: --host {options.Host}: the viewer has no login and will answer anyone who can reach this machine");
        await using var server = await ViewerServer.StartAsync(options, cancel);
        foreach (var p in server.State.Problems) Console.Error.WriteLine($"warning: {p.File}: {p.Message}");
        Console.Out.WriteLine($"serving on {server.Url} (Ctrl-C stops)");
        Console.Out.Flush();
        await server.WaitAsync(cancel);
        Console.Error.WriteLine("stopped");
        return ExitCodes.Ok;
    }

    private static string? DefaultModel()
    {
        try { return ModelOptions.DefaultModelDirectory(); }
        catch (InputException) { return null; }   // the viewer still shows stores and results without a model
    }
}
