using Interrogate.Tensors;

namespace Interrogate.Models.Transformer;

/// <summary>
/// What every layer of one forward pass shares: positions of the new tokens, the key padding mask
/// over cached + new tokens, the cache, and rotary tables computed once for all layers.
/// </summary>
public sealed class ForwardContext
{
    private (RotaryEmbedding Owner, Tensor Cos, Tensor Sin)? rotaryTables;

    private ForwardContext(TokenBatch batch, KeyValueCache? cache, int[] positions, Tensor? keyMask, int[] realCount)
    {
        Batch = batch;
        Cache = cache;
        Positions = positions;
        KeyMask = keyMask;
        RealCount = realCount;
    }

    public TokenBatch Batch { get; }
    public KeyValueCache? Cache { get; }
    /// <summary>[B, T]: position of each new token among its row's real tokens (0 for padding).</summary>
    public int[] Positions { get; }
    /// <summary>[B, Tpast + T] 1/0 over cached and new tokens, or null when nothing is padded.</summary>
    public Tensor? KeyMask { get; }
    /// <summary>Real tokens per row after this pass.</summary>
    public int[] RealCount { get; }

    /// <summary>Positions and masks for a pass; InputException when a row outgrows the context.</summary>
    public static ForwardContext Create(TokenBatch batch, KeyValueCache? cache, int contextLength)
    {
        int b = batch.Batch, t = batch.Length;
        int past = cache?.Length ?? 0;
        if (cache is not null && past > 0 && cache.Batch != b)
            throw new ArgumentException($"a batch of {b} rows cannot continue a cache of {cache.Batch} rows");
        var count = past > 0 ? (int[])cache!.RealCount.Clone() : new int[b];
        var positions = new int[b * t];
        for (int i = 0; i < b; i++)
        {
            for (int j = 0; j < t; j++)
            {
                if (!batch.IsReal(i, j)) continue;
                positions[i * t + j] = count[i]++;
            }
            if (count[i] > contextLength)
                throw new InputException($"sequence {i} has {count[i]} tokens, more than the model's context of {contextLength}");
        }
        return new ForwardContext(batch, cache, positions, KeyMaskOf(batch, cache, past), count);
    }

    private static Tensor? KeyMaskOf(TokenBatch batch, KeyValueCache? cache, int past)
    {
        var pastMask = past > 0 ? cache!.Mask : null;
        if (batch.Mask is null && pastMask is null) return null;
        var current = batch.Mask ?? Tensor.Full(1f, batch.Batch, batch.Length);   // [B, T]
        if (past == 0) return current;
        var previous = pastMask ?? Tensor.Full(1f, batch.Batch, past);              // [B, Tpast]
        return Ops.Concat([previous, current], 1).Detach();                         // [B, Tpast + T]
    }

    /// <summary>cos and sin tables [B, T, 1, Dh] at this pass's positions, computed once per rotary embedding.</summary>
    public (Tensor Cos, Tensor Sin) RotaryTables(RotaryEmbedding rotary)
    {
        if (rotaryTables is { } cached && ReferenceEquals(cached.Owner, rotary)) return (cached.Cos, cached.Sin);
        var (cos, sin) = rotary.Tables(Positions, Batch.Batch, Batch.Length);
        rotaryTables = (rotary, cos, sin);
        return (cos, sin);
    }

    /// <summary>Tells the cache this pass is complete.</summary>
    internal void Commit() => Cache?.Commit(Batch.Batch, Batch.Length, KeyMask, RealCount);
}
