namespace Interrogate.Tensors;

/// <summary>
/// Seeded, platform-independent random numbers (xoshiro256**, seeded by SplitMix64), so a seed
/// gives the same weights on every machine and .NET version.
/// </summary>
public sealed class TensorRandom
{
    private ulong s0, s1, s2, s3;
    private double? spareNormal;

    public TensorRandom(ulong seed)
    {
        ulong x = seed;
        s0 = SplitMix(ref x); s1 = SplitMix(ref x); s2 = SplitMix(ref x); s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        return (int)((NextUInt64() >> 33) % (ulong)n);
    }

    /// <summary>Standard normal by the Box–Muller transform.</summary>
    public double NextNormal()
    {
        if (spareNormal is double spare) { spareNormal = null; return spare; }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A new generator whose stream is independent of this one (for workers, data order…).</summary>
    public TensorRandom Fork() => new(NextUInt64());

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    [ThreadStatic] private static int skipping;

    /// <summary>
    /// Until disposed, random tensors made on this thread are <see cref="Tensor.Deferred"/>: nothing is
    /// drawn or allocated. Loaders build a model this way and then fill or map every parameter, so a
    /// large model is not first initialised at random in float32.
    /// </summary>
    public static IDisposable SkipInitialization()
    {
        skipping++;
        return new Scope();
    }

    private sealed class Scope : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            skipping--;
        }
    }

    public Tensor Normal(int[] shape, float mean = 0f, float std = 1f)
    {
        if (skipping > 0) return Tensor.Deferred(shape);
        var t = Tensor.Zeros(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)(mean + std * NextNormal());
        return t;
    }

    public Tensor Uniform(int[] shape, float low, float high)
    {
        if (skipping > 0) return Tensor.Deferred(shape);
        var t = Tensor.Zeros(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)(low + (high - low) * NextDouble());
        return t;
    }

    /// <summary>Kaiming (He) uniform for a [out, in] weight: U(±sqrt(6 / fanIn)), suited to ReLU.</summary>
    public Tensor KaimingUniform(int fanOut, int fanIn)
    {
        float bound = MathF.Sqrt(6f / fanIn);
        return Uniform([fanOut, fanIn], -bound, bound);
    }

    /// <summary>Kaiming (He) normal for a [out, in] weight: N(0, 2 / fanIn).</summary>
    public Tensor KaimingNormal(int fanOut, int fanIn) => Normal([fanOut, fanIn], 0f, MathF.Sqrt(2f / fanIn));

    /// <summary>Xavier (Glorot) uniform for a [out, in] weight: U(±sqrt(6 / (fanIn + fanOut))), suited to tanh/sigmoid.</summary>
    public Tensor XavierUniform(int fanOut, int fanIn)
    {
        float bound = MathF.Sqrt(6f / (fanIn + fanOut));
        return Uniform([fanOut, fanIn], -bound, bound);
    }

    /// <summary>Xavier (Glorot) normal for a [out, in] weight: N(0, 2 / (fanIn + fanOut)).</summary>
    public Tensor XavierNormal(int fanOut, int fanIn) => Normal([fanOut, fanIn], 0f, MathF.Sqrt(2f / (fanIn + fanOut)));
}
