namespace Interrogate.Tests.Kernels;

/// <summary>Random rows and the comparison every kernel-against-reference test uses.</summary>
internal static class KernelCheck
{
    /// <summary>Widths: one element, below, at and past one and two 8-lane vectors, primes, and long rows with tails.</summary>
    public static readonly int[] Widths = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 100, 257, 1023];

    /// <summary>Every width, plus <paramref name="extra"/> random ones in [1, 2048] fixed by the seed.</summary>
    public static TheoryData<int> WidthCases(int extra = 4, int seed = 17)
    {
        var random = new Random(seed);
        var data = new TheoryData<int>();
        foreach (int w in Widths.Concat(Enumerable.Range(0, extra).Select(_ => random.Next(1, 2049)))) data.Add(w);
        return data;
    }

    /// <summary>[n] Gaussian values: mean <paramref name="offset"/>, standard deviation <paramref name="scale"/>.</summary>
    public static float[] Row(Random random, int n, double scale = 1, double offset = 0) =>
        [.. Enumerable.Range(0, n).Select(_ => (float)(offset + scale * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];

    /// <summary>max |actual − expected|, and the largest |expected| (the scale the tolerance is relative to).</summary>
    public static (double MaxDiff, double Scale) Compare(ReadOnlySpan<float> actual, IReadOnlyList<double> expected)
    {
        if (actual.Length != expected.Count) throw new ArgumentException($"{actual.Length} values against {expected.Count}");
        double diff = 0, scale = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        return (diff, scale);
    }

    /// <summary>gx after a backward kernel that adds, minus what gx held before: the kernel's own contribution.</summary>
    public static float[] Added(float[] after, float[] before) => [.. after.Select((v, i) => v - before[i])];
}
