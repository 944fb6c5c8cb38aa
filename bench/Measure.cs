using System.Diagnostics;

namespace Interrogate.Bench;

/// <summary>
/// Timing with the habits that keep numbers honest on a shared machine: warm up (the JIT tiers
/// up, caches and buffers fill), batch enough calls per repetition to outlast timer noise,
/// interleave ours and the peer repetition by repetition so drifting load hits both alike, and
/// report medians.
/// </summary>
public static class Measure
{
    /// <summary>Calls per repetition so that one repetition takes at least minSeconds.</summary>
    public static int Calibrate(Action call, double minSeconds)
    {
        call();
        for (int calls = 1; ; calls *= 2)
        {
            double seconds = Time(call, calls);
            if (seconds >= minSeconds || calls >= 1 << 20) return calls;
        }
    }

    /// <summary>
    /// Count CPU seconds of the whole process instead of wall seconds (--clock cpu): on a
    /// machine shared with other jobs, preemption then stops counting against us. Only
    /// meaningful for single-threaded rows (with threads, it measures total work, not speed).
    /// </summary>
    public static bool CpuClock { get; set; }

    /// <summary>Seconds for calls back-to-back calls.</summary>
    public static double Time(Action call, int calls)
    {
        if (CpuClock)
        {
            double t0 = ProcessCpuSeconds();
            for (int i = 0; i < calls; i++) call();
            return ProcessCpuSeconds() - t0;
        }
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) call();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double ProcessCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>
    /// Per-call seconds of ours and peer (peer may be null), reps repetitions each, interleaved.
    /// settle runs after each peer repetition (e.g. to let a peer's spinning threads go idle).
    /// </summary>
    public static (double[] Ours, double[]? Peer) Interleaved(Action ours, Action? peer, int reps, double minSeconds, Action? settle = null)
    {
        int oursCalls = Calibrate(ours, minSeconds);
        int peerCalls = peer is null ? 0 : Calibrate(peer, minSeconds);
        settle?.Invoke();
        var o = new double[reps];
        double[]? p = peer is null ? null : new double[reps];
        for (int r = 0; r < reps; r++)
        {
            o[r] = Time(ours, oursCalls) / oursCalls;
            if (peer is null) continue;
            p![r] = Time(peer, peerCalls) / peerCalls;
            settle?.Invoke();
        }
        return (o, p);
    }

    public static double Median(double[] xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }
}
