using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Interrogate.Analysis.Activations;

/// <summary>One of a neuron's largest activations: the token's position in the source and the value.</summary>
public readonly record struct TopActivation(long Token, float Value);

/// <summary>
/// The k largest activations of every neuron of one hook point, each neuron a bounded min-heap whose
/// root is the weakest entry kept. Order is by value, then by earlier token, so ties resolve the same
/// way whatever the batching and the result is exactly the brute-force top-k.
/// <para>
/// Speed: each neuron's admission threshold (its root's value once full, −∞ before) is kept in one
/// contiguous array, so a batch is screened eight neurons at a time with one vector compare; only a
/// value at or above its threshold reaches <see cref="Offer"/>, and every value screened out is one
/// that Offer would have ignored. Packed blocks of neurons (<see cref="NeuronBlocks"/>) run in parallel; each neuron still sees its rows
/// in order, so the heaps are the same whatever the thread count.
/// </para>
/// </summary>
public sealed class TopActivations
{
    private readonly float[] values;   // [width, K]
    private readonly long[] tokens;    // [width, K]
    private readonly int[] sizes;      // [width]
    private readonly float[] thresholds;   // [width]: the root's value when full, else −∞

    public TopActivations(int width, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "top-k needs k ≥ 1");
        Width = width;
        K = k;
        values = new float[width * k];
        tokens = new long[width * k];
        sizes = new int[width];
        thresholds = new float[width];
        Array.Fill(thresholds, float.NegativeInfinity);
    }

    public int Width { get; }
    public int K { get; }

    /// <param name="rows">[n, Width], row-major; row i is source token firstToken + i.</param>
    /// <param name="firstToken">Source position of the first row.</param>
    public void Add(ReadOnlySpan<float> rows, long firstToken) =>
        NeuronBlocks.ForEach(rows, Width, (packed, n, stride, first, count) => AddBlock(packed, n, stride, firstToken, first, count));

    /// <summary>Offers one block of neurons' values, row by row, skipping those below the neuron's threshold.</summary>
    /// <param name="packed">[n, stride], row-major: columns 0..count−1 are neurons first..first+count−1; row i is source token firstToken + i.</param>
    /// <param name="n">Rows in the batch.</param>
    /// <param name="stride">Floats from one row to the next.</param>
    /// <param name="firstToken">Source position of the first row.</param>
    /// <param name="first">The block's first neuron.</param>
    /// <param name="count">Neurons in the block.</param>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal void AddBlock(ReadOnlySpan<float> packed, int n, int stride, long firstToken, int first, int count)
    {
        ref float start = ref MemoryMarshal.GetReference(packed);
        for (int r = 0; r < n; r++)
        {
            int k = 0, at = r * stride;
            if (Vector256.IsHardwareAccelerated)
                for (; k + 8 <= count; k += 8)
                {
                    var v = Vector256.LoadUnsafe(ref start, (nuint)(at + k));
                    uint pass = Vector256.GreaterThanOrEqual(v, Vector256.Create(thresholds.AsSpan(first + k))).ExtractMostSignificantBits();
                    for (; pass != 0; pass &= pass - 1)
                    {
                        int lane = System.Numerics.BitOperations.TrailingZeroCount(pass);
                        Offer(first + k + lane, packed[at + k + lane], firstToken + r);
                    }
                }
            for (; k < count; k++)
                if (packed[at + k] >= thresholds[first + k]) Offer(first + k, packed[at + k], firstToken + r);
        }
    }

    public void Offer(int neuron, float value, long token)
    {
        if (float.IsNaN(value)) return;
        int at = neuron * K;
        int size = sizes[neuron];
        if (size < K)
        {
            values[at + size] = value;
            tokens[at + size] = token;
            sizes[neuron] = size + 1;
            SiftUp(at, size);
        }
        else if (Better(value, token, values[at], tokens[at]))
        {
            values[at] = value;
            tokens[at] = token;
            SiftDown(at, K);
        }
        else return;
        UpdateThreshold(neuron);
    }

    private void UpdateThreshold(int neuron) => thresholds[neuron] = sizes[neuron] == K ? values[neuron * K] : float.NegativeInfinity;

    /// <summary>A neuron's kept activations, largest first.</summary>
    public TopActivation[] For(int neuron)
    {
        int at = neuron * K;
        var result = new TopActivation[sizes[neuron]];
        for (int i = 0; i < result.Length; i++) result[i] = new TopActivation(tokens[at + i], values[at + i]);
        Array.Sort(result, (a, b) => Better(a.Value, a.Token, b.Value, b.Token) ? -1 : Better(b.Value, b.Token, a.Value, a.Token) ? 1 : 0);
        return result;
    }

    private static bool Better(float v, long t, float otherV, long otherT) => v > otherV || (v == otherV && t < otherT);

    private void SiftUp(int at, int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Better(values[at + parent], tokens[at + parent], values[at + i], tokens[at + i])) break;
            Swap(at + parent, at + i);
            i = parent;
        }
    }

    private void SiftDown(int at, int size)
    {
        for (int i = 0; ;)
        {
            int worst = i, l = 2 * i + 1, r = l + 1;
            if (l < size && Better(values[at + worst], tokens[at + worst], values[at + l], tokens[at + l])) worst = l;
            if (r < size && Better(values[at + worst], tokens[at + worst], values[at + r], tokens[at + r])) worst = r;
            if (worst == i) return;
            Swap(at + i, at + worst);
            i = worst;
        }
    }

    private void Swap(int a, int b)
    {
        (values[a], values[b]) = (values[b], values[a]);
        (tokens[a], tokens[b]) = (tokens[b], tokens[a]);
    }

    /// <summary>What <see cref="Write"/> emits, in bytes.</summary>
    internal long SerializedBytes => 8 + 4L * Width + 12L * values.Length;

    internal void Write(BinaryWriter w)
    {
        w.Write(Width); w.Write(K);
        w.Write(MemoryMarshal.AsBytes(sizes.AsSpan()));   // little-endian, as BinaryWriter writes
        w.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        w.Write(MemoryMarshal.AsBytes(tokens.AsSpan()));
    }

    internal static TopActivations Read(BinaryReader r)
    {
        var top = new TopActivations(r.ReadInt32(), r.ReadInt32());
        StoreState.ReadExactly(r, MemoryMarshal.AsBytes(top.sizes.AsSpan()));
        StoreState.ReadExactly(r, MemoryMarshal.AsBytes(top.values.AsSpan()));
        StoreState.ReadExactly(r, MemoryMarshal.AsBytes(top.tokens.AsSpan()));
        for (int j = 0; j < top.Width; j++) top.UpdateThreshold(j);
        return top;
    }
}
