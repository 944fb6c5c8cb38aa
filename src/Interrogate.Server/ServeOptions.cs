namespace Interrogate.Server;

/// <summary>What `interrogate serve` shows and where it listens. Only these folders are ever read.</summary>
public sealed record ServeOptions
{
    /// <summary>Language model folder (Hugging Face layout) for the model page and the trace explorer; null: none.</summary>
    public string? ModelDirectory { get; init; }
    /// <summary>Activation store folders (`activations record --out`).</summary>
    public IReadOnlyList<string> Stores { get; init; } = [];
    /// <summary>Folders with results: `neurons --json`, `prune compare --json`, `activations explain --json` files, demo result.json, experiment databases, pruned model folders.</summary>
    public IReadOnlyList<string> Results { get; init; } = [];
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>TCP port; 0 picks a free one (tests).</summary>
    public int Port { get; init; } = 8080;
    /// <summary>Largest request body accepted, in bytes (larger: 413).</summary>
    public long MaxRequestBytes { get; init; } = 64 * 1024;
    /// <summary>Most characters of text a trace accepts (more: 413).</summary>
    public int MaxTraceCharacters { get; init; } = 16 * 1024;
    /// <summary>Most tokens a trace runs on (more: 400); the model's context caps it further.</summary>
    public int MaxTraceTokens { get; init; } = 1024;
}
