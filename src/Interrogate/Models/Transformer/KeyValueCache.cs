using Interrogate.Tensors;

namespace Interrogate.Models.Transformer;

/// <summary>
/// Keys and values of the tokens seen so far, per layer, for incremental decoding: a forward pass
/// with a cache attends to the cached tokens plus its own and then appends its own. Keys are stored
/// after rotary embedding. Also keeps the padding mask and each row's count of real tokens, so
/// positions continue where they stopped.
/// </summary>
public sealed class KeyValueCache
{
    private readonly Tensor?[] keys;     // per layer [B, Hk, Tpast, Dh]
    private readonly Tensor?[] values;   // per layer [B, Hk, Tpast, Dh]

    public KeyValueCache(int layers) => (keys, values) = (new Tensor?[layers], new Tensor?[layers]);

    /// <summary>Number of cached token slots Tpast (padding included).</summary>
    public int Length { get; private set; }
    /// <summary>Rows of the cached batch, or 0 while empty.</summary>
    public int Batch { get; private set; }
    /// <summary>[B, Tpast] 1/0, or null while no padding has been seen.</summary>
    public Tensor? Mask { get; private set; }
    /// <summary>Real (unpadded) tokens cached per row; the next real token's position.</summary>
    public int[] RealCount { get; private set; } = [];
    /// <summary>[B, Tpast] position of each cached slot among its row's real tokens (0 for padding); sliding windows measure from it.</summary>
    public int[] KeyPositions { get; private set; } = [];

    /// <summary>Appends this step's keys and values of one layer and returns all of them. k, v: [B, Hk, T, Dh] → [B, Hk, Tpast + T, Dh].</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        if (keys[layer] is { } pastK && values[layer] is { } pastV)
        {
            k = Ops.Concat([pastK, k], 2);
            v = Ops.Concat([pastV, v], 2);
        }
        keys[layer] = k;
        values[layer] = v;
        return (k, v);
    }

    /// <summary>Records that a step of T slots (mask [B, Tpast + T] or null, positions [B, T]) ran through every layer.</summary>
    internal void Commit(int batch, int length, Tensor? fullMask, int[] realCount, int[] positions)
    {
        var merged = new int[batch * (Length + length)];
        for (int i = 0; i < batch; i++)
        {
            if (Length > 0) KeyPositions.AsSpan(i * Length, Length).CopyTo(merged.AsSpan(i * (Length + length)));
            positions.AsSpan(i * length, length).CopyTo(merged.AsSpan(i * (Length + length) + Length));
        }
        KeyPositions = merged;
        Batch = batch;
        Length += length;
        Mask = fullMask;
        RealCount = realCount;
    }
}
