namespace Interrogate.Analysis.Activations;

/// <summary>One of a neuron's largest activations: the token's position in the source and the value.</summary>
public readonly record struct TopActivation(long Token, float Value);

/// <summary>
/// The k largest activations of every neuron of one hook point, each neuron a bounded min-heap whose
/// root is the weakest entry kept. Order is by value, then by earlier token, so ties resolve the same
/// way whatever the batching and the result is exactly the brute-force top-k.
/// </summary>
public sealed class TopActivations
{
    private readonly float[] values;   // [width, K]
    private readonly long[] tokens;    // [width, K]
    private readonly int[] sizes;      // [width]

    public TopActivations(int width, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "top-k needs k ≥ 1");
        Width = width;
        K = k;
        values = new float[width * k];
        tokens = new long[width * k];
        sizes = new int[width];
    }

    public int Width { get; }
    public int K { get; }

    /// <param name="rows">[n, Width], row-major; row i is source token firstToken + i.</param>
    /// <param name="firstToken">Source position of the first row.</param>
    public void Add(ReadOnlySpan<float> rows, long firstToken)
    {
        int n = rows.Length / Width;
        for (int r = 0; r < n; r++)
            for (int j = 0; j < Width; j++) Offer(j, rows[r * Width + j], firstToken + r);
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
    }

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

    internal void Write(BinaryWriter w)
    {
        w.Write(Width); w.Write(K);
        foreach (var s in sizes) w.Write(s);
        foreach (var v in values) w.Write(v);
        foreach (var t in tokens) w.Write(t);
    }

    internal static TopActivations Read(BinaryReader r)
    {
        var top = new TopActivations(r.ReadInt32(), r.ReadInt32());
        for (int i = 0; i < top.sizes.Length; i++) top.sizes[i] = r.ReadInt32();
        for (int i = 0; i < top.values.Length; i++) top.values[i] = r.ReadSingle();
        for (int i = 0; i < top.tokens.Length; i++) top.tokens[i] = r.ReadInt64();
        return top;
    }
}
