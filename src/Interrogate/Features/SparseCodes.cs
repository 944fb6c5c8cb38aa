namespace Interrogate.Features;

/// <summary>
/// A batch of sparse feature activations in compressed-row form: row i's active latents are
/// Index[RowStart[i] .. RowStart[i + 1]) with activations Value (and, for training, the biased
/// pre-activations Pre). Buffers grow and are reused across batches; only the first
/// <see cref="Count"/> entries are meaningful.
/// </summary>
public sealed class SparseCodes
{
    /// <summary>[Rows + 1] offsets into the entry arrays.</summary>
    public int[] RowStart { get; private set; } = [0];
    /// <summary>[capacity ≥ Count] latent of each entry.</summary>
    public int[] Index { get; private set; } = [];
    /// <summary>[capacity ≥ Count] feature activation of each entry (0 for an entry kept only for a gradient).</summary>
    public float[] Value { get; private set; } = [];
    /// <summary>[capacity ≥ Count] pre-activation (encoder output plus encoder bias) of each entry.</summary>
    public float[] Pre { get; private set; } = [];

    public int Rows => RowStart.Length - 1;
    public int Count => RowStart[^1];

    /// <summary>Starts a batch of rows with room for about entriesHint entries.</summary>
    public void Reset(int rows, int entriesHint)
    {
        if (RowStart.Length != rows + 1) RowStart = new int[rows + 1];
        RowStart[0] = 0;
        Ensure(entriesHint);
    }

    /// <summary>Makes room for at least n entries, keeping the first existing ones.</summary>
    public void Ensure(int n)
    {
        if (Index.Length >= n) return;
        int size = Math.Max(n, Index.Length * 3 / 2);
        var (index, value, pre) = (Index, Value, Pre);
        Array.Resize(ref index, size);
        Array.Resize(ref value, size);
        Array.Resize(ref pre, size);
        (Index, Value, Pre) = (index, value, pre);
    }

    /// <summary>The active latents of row i and their activations.</summary>
    public (ReadOnlyMemory<int> Latents, ReadOnlyMemory<float> Values) Row(int i) =>
        (Index.AsMemory(RowStart[i], RowStart[i + 1] - RowStart[i]), Value.AsMemory(RowStart[i], RowStart[i + 1] - RowStart[i]));

    /// <summary>Dense [Rows, latents] copy of the activations.</summary>
    public float[] ToDense(int latents)
    {
        var dense = new float[(long)Rows * latents];
        for (int i = 0; i < Rows; i++)
            for (int e = RowStart[i]; e < RowStart[i + 1]; e++) dense[(long)i * latents + Index[e]] = Value[e];
        return dense;
    }
}
