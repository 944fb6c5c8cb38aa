using Xunit.Abstractions;

namespace Interrogate.Tests.Fuzz;

[CollectionDefinition(nameof(FuzzCollection), DisableParallelization = true)]
public sealed class FuzzCollection : ICollectionFixture<FuzzFixture>;

/// <summary>
/// The fuzz campaign run as a test: every malformed input must give exit 2, exactly one stderr line
/// naming the file or flag, no stack trace, and leave the output path as it was. Totals per class
/// are printed; any non-compliant case fails the test with its line.
/// </summary>
[Collection(nameof(FuzzCollection))]
public sealed partial class FuzzCampaignTests(FuzzFixture fixture, ITestOutputHelper output)
{
    public const int Seed = 16;
    private static readonly string ProgressFile = Path.Combine(Path.GetTempPath(), "interrogate-fuzz-last-case.txt");

    [Fact]
    public void Controls_HealthyInputs_ExitZero()
    {
        var root = Directory.CreateDirectory(Path.Combine(fixture.Root, "controls")).FullName;
        var failures = new List<string>();
        foreach (var (name, args, _) in new FuzzCampaign(fixture, Seed).Controls(root))
        {
            var r = InProcessCli.Run(args);
            if (r.ExitCode != 0) failures.Add($"{name}: exit {r.ExitCode}: {r.Stderr.Trim()}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Campaign_EveryMalformedInput_CleanOneLineErrorAndNothingWritten()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var root = Directory.CreateDirectory(Path.Combine(fixture.Root, "cases")).FullName;
        var totals = new SortedDictionary<string, (int Cases, int Compliant, double Seconds)>(StringComparer.Ordinal);
        var failures = new List<string>();
        int index = 0;
        foreach (var c in new FuzzCampaign(fixture, Seed).Cases())
        {
            var dir = Directory.CreateDirectory(Path.Combine(root, (index++).ToString("D4"))).FullName;
            var spec = c.Build(dir);
            var before = OutputSnapshot.Take(spec.Output);
            // The case about to run, for a post-mortem should one take the test host down.
            File.WriteAllText(ProgressFile, $"{index - 1} [{c.Class}] {c.Name}: {string.Join(' ', spec.Args)}\n");
            var started = clock.Elapsed;
            var r = InProcessCli.Run(spec.Args);
            var problem = Check(r, spec, before);
            var (cases, compliant, seconds) = totals.GetValueOrDefault(c.Class);
            totals[c.Class] = (cases + 1, compliant + (problem is null ? 1 : 0), seconds + (clock.Elapsed - started).TotalSeconds);
            if (problem is not null) failures.Add($"[{c.Class}] {c.Name}: {problem}");
            if (index % 50 == 0) CleanUp(root);
        }
        int all = totals.Values.Sum(t => t.Cases), ok = totals.Values.Sum(t => t.Compliant);
        foreach (var (cls, (cases, compliant, seconds)) in totals) output.WriteLine($"{cls,-20} {compliant,4}/{cases,4} compliant  {seconds,6:F1} s");
        output.WriteLine($"{"total",-20} {ok,4}/{all,4} compliant in {clock.Elapsed.TotalSeconds:F1} s (seed {Seed})");
        foreach (var failure in failures) output.WriteLine(failure);
        Assert.True(all >= 500, $"only {all} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {all} cases not compliant:\n{string.Join("\n", failures.Take(60))}");
    }

    /// <summary>Null when the run is compliant; else what is wrong.</summary>
    private static string? Check(InProcessCli.Result r, FuzzSpec spec, string before)
    {
        // Warnings about the inputs (a skipped file, a corpus without held-out documents) may come first,
        // and so may the progress line of work that had started when a problem was found in its results
        // (a non-finite output); besides them, stderr must hold exactly one line, the error.
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("warning: ", StringComparison.Ordinal) && !ProgressLine().IsMatch(l)).ToArray();
        var first = lines.Length > 0 ? lines[0] : "";
        if (r.ExitCode != 2) return $"exit {r.ExitCode}: {Short(r.Stderr)}";
        if (r.Stderr.Contains("   at ", StringComparison.Ordinal) || r.Stderr.Contains("Unhandled exception", StringComparison.Ordinal)) return $"stack trace: {Short(r.Stderr)}";
        if (lines.Length != 1) return $"{lines.Length} stderr lines besides warnings: {Short(r.Stderr)}";
        if (!first.StartsWith("error: ", StringComparison.Ordinal)) return $"not an error line: {first}";
        if (!first.Contains(spec.Mentions, StringComparison.Ordinal) && !(spec.OrMentions is { } alt && first.Contains(alt, StringComparison.Ordinal)))
            return $"does not name '{spec.Mentions}'{(spec.OrMentions is null ? "" : $" or '{spec.OrMentions}'")}: {first}";
        var after = OutputSnapshot.Take(spec.Output);
        if (after != before) return $"output {spec.Output} changed ({Short(before)} → {Short(after)}): {first}";
        return null;
    }

    /// <summary>A progress bar as it is written when stderr is not a terminal: "recording fit activations: 0%".</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^[^:]+: \d{1,3}%$")]
    private static partial System.Text.RegularExpressions.Regex ProgressLine();

    private static string Short(string s) => (s.Length > 300 ? s[..300] + "…" : s).ReplaceLineEndings(" ⏎ ");

    // Case folders are only needed while their case runs; FIFOs and chmods are cleared with them.
    private static void CleanUp(string root)
    {
        foreach (var dir in Directory.GetDirectories(root))
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
