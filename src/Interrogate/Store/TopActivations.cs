using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Interrogate.Store;

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

    /// <summary>
    /// Offers one block of neurons' values, eight neurons at a time down the rows with their
    /// thresholds in a register (reloaded only after an insert), skipping values below the threshold.
    /// While a group's heaps are still filling, the threshold is raised to <see cref="BatchFloor"/>
    /// first: without it a fresh heap takes about k·(1 + ln(n/k)) inserts per batch (56 at
    /// k = 10, n = 1,024), each a few mispredicted branches; with it, little more than k.
    /// </summary>
    /// <param name="packed">[n, stride], row-major: columns 0..count−1 are neurons first..first+count−1; row i is source token firstToken + i.</param>
    /// <param name="n">Rows in the batch.</param>
    /// <param name="stride">Floats from one row to the next.</param>
    /// <param name="firstToken">Source position of the first row.</param>
    /// <param name="first">The block's first neuron.</param>
    /// <param name="count">Neurons in the block.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void AddBlock(ReadOnlySpan<float> packed, int n, int stride, long firstToken, int first, int count)
    {
        ref float start = ref MemoryMarshal.GetReference(packed);
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; k + 8 <= count; k += 8)
            {
                int j = first + k;
                var floor = Vector256.Create(float.NegativeInfinity);
                if (sizes.AsSpan(j, 8).ContainsAnyExcept(K)) floor = BatchFloor(ref Unsafe.Add(ref start, k), n, stride, K);
                var threshold = Vector256.Max(Vector256.Create(thresholds.AsSpan(j)), floor);
                for (int r = 0; r < n; r++)
                {
                    var v = Vector256.LoadUnsafe(ref start, (nuint)(r * stride + k));
                    uint pass = Vector256.GreaterThanOrEqual(v, threshold).ExtractMostSignificantBits();
                    if (pass == 0) continue;
                    do
                    {
                        int lane = BitOperations.TrailingZeroCount(pass);
                        Insert(j + lane, v.GetElement(lane), firstToken + r);
                        pass &= pass - 1;
                    }
                    while (pass != 0);
                    threshold = Vector256.Max(Vector256.Create(thresholds.AsSpan(j)), floor);
                }
            }
        for (; k < count; k++)
        {
            int j = first + k;
            for (int r = 0; r < n; r++)
                if (packed[r * stride + k] >= thresholds[j]) Insert(j, packed[r * stride + k], firstToken + r);
        }
    }

    /// <summary>Rows per group in <see cref="BatchFloor"/>.</summary>
    private const int FloorGroup = 16;

    /// <summary>
    /// A floor under each of eight neurons' k-th largest value in this batch, so values below it can
    /// never enter their top k: the k-th largest of the maxima of groups of 16 rows (k groups reach it,
    /// so k values do). NaN values are left out (they never enter a heap); −∞ when the batch has
    /// fewer than 2k groups or k is large, where the floor would not pay for itself.
    /// </summary>
    /// <param name="start">The first row's value of the first of the eight neurons; rows are <paramref name="stride"/> floats apart.</param>
    /// <param name="n">Rows.</param>
    /// <param name="stride">Floats from one row to the next.</param>
    /// <param name="k">Entries kept per neuron.</param>
    private static Vector256<float> BatchFloor(ref float start, int n, int stride, int k)
    {
        var none = Vector256.Create(float.NegativeInfinity);
        int groups = n / FloorGroup;
        if (k > 32 || groups < 2 * k) return none;
        Span<Vector256<float>> best = stackalloc Vector256<float>[k];   // descending per lane
        best.Fill(none);
        for (int g = 0; g < groups; g++)
        {
            var m = none;
            for (int r = g * FloorGroup; r < (g + 1) * FloorGroup; r++)
                m = Vector256.MaxNative(Vector256.LoadUnsafe(ref start, (nuint)(r * stride)), m);   // x86 keeps m over a NaN value
            m = Vector256.ConditionalSelect(Vector256.Equals(m, m), m, none);   // a NaN that got through: the group counts as −∞
            for (int i = 0; i < k; i++)
            {
                var high = Vector256.MaxNative(best[i], m);
                m = Vector256.MinNative(best[i], m);
                best[i] = high;
            }
        }
        return best[k - 1];
    }

    public void Offer(int neuron, float value, long token)
    {
        if (!float.IsNaN(value) && value >= thresholds[neuron]) Insert(neuron, value, token);
    }

    /// <summary>
    /// Puts a value that reached the neuron's threshold into its heap when it beats the root (or the
    /// heap is not full), moving entries along a hole rather than swapping, and updates the threshold.
    /// </summary>
    private void Insert(int neuron, float value, long token)
    {
        int at = neuron * K, size = sizes[neuron];
        ref float v = ref values[at];
        ref long t = ref tokens[at];
        int i;
        if (size < K)
        {
            for (i = size; i > 0;)   // sift up from the new leaf
            {
                int parent = (i - 1) >> 1;
                if (!Better(Unsafe.Add(ref v, parent), Unsafe.Add(ref t, parent), value, token)) break;
                Unsafe.Add(ref v, i) = Unsafe.Add(ref v, parent);
                Unsafe.Add(ref t, i) = Unsafe.Add(ref t, parent);
                i = parent;
            }
            sizes[neuron] = ++size;
        }
        else
        {
            if (!Better(value, token, v, t)) return;
            for (i = 0; ;)   // sift down from the root: the weaker child moves up while the value beats it
            {
                int child = 2 * i + 1;
                if (child >= size) break;
                if (child + 1 < size && Better(Unsafe.Add(ref v, child), Unsafe.Add(ref t, child), Unsafe.Add(ref v, child + 1), Unsafe.Add(ref t, child + 1))) child++;
                if (!Better(value, token, Unsafe.Add(ref v, child), Unsafe.Add(ref t, child))) break;
                Unsafe.Add(ref v, i) = Unsafe.Add(ref v, child);
                Unsafe.Add(ref t, i) = Unsafe.Add(ref t, child);
                i = child;
            }
        }
        Unsafe.Add(ref v, i) = value;
        Unsafe.Add(ref t, i) = token;
        if (size == K) thresholds[neuron] = v;
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
