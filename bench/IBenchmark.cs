namespace Interrogate.Bench;

/// <summary>
/// A named benchmark. Program finds every implementation in this assembly by reflection, so
/// adding a benchmark is adding one class (with a public parameterless constructor).
/// </summary>
public interface IBenchmark
{
    /// <summary>The command-line name: <c>dotnet run -c Release --project bench -- NAME</c>.</summary>
    string Name { get; }

    /// <summary>One line for the benchmark list.</summary>
    string Description { get; }

    /// <summary>Runs every case and returns one row per (case, thread count). Progress goes to stderr.</summary>
    IReadOnlyList<BenchRow> Run(BenchOptions options);
}

/// <summary>
/// One measured case: our throughput beside the peer's (both medians, higher is better).
/// Peer is null when the peer is not installed; Ratio = Ours / Peer.
/// </summary>
public sealed record BenchRow(string Shape, int Threads, double Ours, double? Peer, string Unit, string PeerName)
{
    public double? Ratio => Peer is > 0 ? Math.Round(Ours / Peer.Value, 3) : null;

    /// <summary>Spread of our repetitions (min..max), so noisy rows can be spotted.</summary>
    public double OursMin { get; init; }
    public double OursMax { get; init; }
    public double? PeerMin { get; init; }
    public double? PeerMax { get; init; }

    /// <summary>How the peer ran in this row: version, threads, environment, the kernel it chose.</summary>
    public string PeerConfig { get; init; } = "";

    /// <summary>The CPU and our kernel chosen at run time (<see cref="Machine.Describe"/>); set for every row.</summary>
    public string Machine { get; init; } = "";
}

/// <summary>Options shared by every benchmark.</summary>
public sealed record BenchOptions(IReadOnlyList<int> Threads, int Reps, double MinSeconds, string? Filter, bool Json);
