namespace Interrogate.Kernels;

/// <summary>
/// The number of threads kernels may use. Set once at start-up (CLI --threads, or the
/// INTERROGATE_THREADS variable); defaults to the processor count.
/// </summary>
public static class Parallelism
{
    private static int threads = ReadDefault();

    public static int Threads
    {
        get => threads;
        set => threads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "thread count must be at least 1");
    }

    private static int ReadDefault()
    {
        var env = Environment.GetEnvironmentVariable("INTERROGATE_THREADS");
        return int.TryParse(env, out int n) && n >= 1 ? n : Environment.ProcessorCount;
    }

    /// <summary>Runs body(i) for i in [0, count) on up to <see cref="Threads"/> threads; serial when 1.</summary>
    public static void For(int count, Action<int> body) => For(count, threads, body);

    /// <summary>
    /// Runs body(i) for i in [0, count) on up to <paramref name="maxThreads"/> threads (never more
    /// than <see cref="Threads"/>). With one thread or one item it is a plain loop: no tasks at all.
    /// </summary>
    public static void For(int count, int maxThreads, Action<int> body)
    {
        if (count <= 0) return;
        int degree = Math.Min(Math.Min(maxThreads, threads), count);
        if (degree <= 1) { for (int i = 0; i < count; i++) body(i); return; }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = degree }, body);
    }
}
