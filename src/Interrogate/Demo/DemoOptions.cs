namespace Interrogate.Demo;

/// <summary>
/// What <see cref="DemoRun"/> works on and how long it may take. <see cref="Quick"/> shrinks every token
/// count and step count (for tests and the browser check); the full run is sized for ≤ 15 minutes on 2 cores.
/// </summary>
public sealed record DemoOptions
{
    /// <summary>The language model folder (Hugging Face layout): the shipped models/sotu-small by default.</summary>
    public required string ModelDirectory { get; init; }
    /// <summary>Where report.html, result.json and the pruned models go.</summary>
    public required string OutputDirectory { get; init; }
    public string Corpus { get; init; } = "sotu";
    public bool Quick { get; init; }
    public ulong Seed { get; init; }
    /// <summary>Package cache (npm datasets, token files); null: the default cache.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The prompt traced step by step; its last token is followed by a capitalized word in the corpus's style.</summary>
    public string TracePrompt { get; init; } = "The President of the United";

    public int ConceptTokens => Quick ? 12_000 : 100_000;
    public int RedundancyTokens => Quick ? 8_000 : 60_000;
    public int EvaluationTokens => Quick ? 4_096 : 32_768;
    public int FineTuneSteps => Quick ? 10 : 150;
    public int MnistEpochs => Quick ? 2 : 20;
    public IReadOnlyList<double> Fractions => Quick ? [0.1, 0.3, 0.5] : [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
}
