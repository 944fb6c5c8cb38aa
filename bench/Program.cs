using System.Reflection;
using System.Text.Json;

namespace Interrogate.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench -- NAME [--json] [--threads 1,2] [--reps 5]
/// [--min-seconds 0.2] [--filter TEXT] [--clock wall|cpu]</c>. With no NAME, lists the benchmarks.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 3 && args[0] == "--load-child") return LoadBenchmark.ChildMain(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
        var benchmarks = Discover();
        if (args.Length == 0 || args[0] is "-h" or "--help" or "list")
        {
            Console.WriteLine("usage: bench NAME [--json] [--threads 1,2] [--reps N] [--min-seconds S] [--filter TEXT] [--clock wall|cpu]");
            foreach (var b in benchmarks) Console.WriteLine($"  {b.Name,-10} {b.Description}");
            return args.Length == 0 ? 2 : 0;
        }
        var bench = benchmarks.FirstOrDefault(b => b.Name == args[0]);
        if (bench is null)
        {
            Console.Error.WriteLine($"bench: unknown benchmark '{args[0]}'; known: {string.Join(", ", benchmarks.Select(b => b.Name))}");
            return 2;
        }
        if (bench.Name == "gemm" && Machine.PeerRelaunch(args) is { } exitCode) return exitCode;
        BenchOptions options;
        try { options = Parse(args[1..]); }
        catch (FormatException e) { Console.Error.WriteLine($"bench: {e.Message}"); return 2; }

        Console.Error.WriteLine(Machine.Describe());
        var rows = bench.Run(options).Select(r => r with { Machine = Machine.Describe() }).ToList();
        if (options.Json)
            Console.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        else
            Table.Print(rows);
        return 0;
    }

    private static List<IBenchmark> Discover() =>
        typeof(Program).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IBenchmark).IsAssignableFrom(t)
                && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();

    private static BenchOptions Parse(string[] args)
    {
        int[] threads = [1, 2];
        int reps = 5;
        double minSeconds = 0.2;
        string? filter = null;
        bool json = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--json": json = true; break;
                case "--threads": threads = Value().Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray(); break;
                case "--reps": reps = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--min-seconds": minSeconds = double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--filter": filter = Value(); break;
                case "--clock": Measure.CpuClock = Value() == "cpu"; break;
                default: throw new FormatException($"unknown option {args[i]}");
            }
        }
        if (threads.Length == 0 || threads.Any(t => t < 1) || reps < 1) throw new FormatException("--threads and --reps must be positive");
        return new BenchOptions(threads, reps, minSeconds, filter, json);
    }
}

/// <summary>Plain-text table of rows: ours, the peer, and the ratio.</summary>
internal static class Table
{
    public static void Print(IReadOnlyList<BenchRow> rows)
    {
        if (rows.Count == 0) { Console.WriteLine("(no cases)"); return; }
        int w = Math.Max(5, rows.Max(r => r.Shape.Length));
        string peerName = rows[0].PeerName;
        Console.WriteLine($"# {rows[0].Machine}");
        Console.WriteLine($"{"shape".PadRight(w)}  threads  {"ours",14}  {peerName,14}  ratio   ({rows[0].Unit}, median [min-max])  peer configuration");
        foreach (var r in rows)
        {
            string peer = r.Peer is { } p ? $"{p,6:F1} [{r.PeerMin,3:F0}-{r.PeerMax,3:F0}]" : "    not installed";
            string ratio = r.Ratio is { } x ? $"{x:F2}" : "  - ";
            Console.WriteLine($"{r.Shape.PadRight(w)}  {r.Threads,7}  {r.Ours,6:F1} [{r.OursMin,3:F0}-{r.OursMax,3:F0}]  {peer}  {ratio,5}  {r.PeerConfig}");
        }
        if (rows.Any(r => r.Peer is null)) Console.WriteLine($"peer {peerName} is not installed: peer and ratio are empty.");
    }
}
