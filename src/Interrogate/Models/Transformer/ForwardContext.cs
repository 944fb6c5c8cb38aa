using Interrogate.Tensors;

namespace Interrogate.Models.Transformer;

/// <summary>
/// What every layer of one forward pass shares: positions of the new tokens, the key padding mask
/// over cached + new tokens, the cache, and rotary tables computed once for all layers.
/// </summary>
public sealed class ForwardContext
{
    private (RotaryEmbedding Owner, Tensor Cos, Tensor Sin)? rotaryTables;
    private readonly Dictionary<int, Tensor> attentionBiases = [];

    private ForwardContext(TokenBatch batch, KeyValueCache? cache, int[] positions, Tensor? keyMask, int[] realCount)
    {
        MaxPosition = positions.Length == 0 ? 0 : positions.Max();
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
    /// <summary>The largest position of a new token.</summary>
    public int MaxPosition { get; }
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

    /// <summary>
    /// An additive mask [B, 1, T, Tpast + T]: 0 where a new token may attend to a key, float.MinValue
    /// where it may not (a later slot, padding, or with <paramref name="window"/> W a key W or more
    /// positions back). Positions count real tokens, so padding never shifts a window. Built once per
    /// window per pass. A query that sees no key (a padding slot) gets a uniform row, as in Hugging Face.
    /// </summary>
    public Tensor AttentionBias(int? window)
    {
        int key = window ?? 0;
        if (attentionBiases.TryGetValue(key, out var cached)) return cached;
        int b = Batch.Batch, t = Batch.Length, past = Cache?.Length ?? 0, tk = past + t;
        var pastPositions = past > 0 ? Cache!.KeyPositions : null;   // [B, Tpast]
        var bias = Tensor.Zeros(b, 1, t, tk);
        var s = bias.Storage;
        var mask = KeyMask?.ContiguousData();   // [B, Tk]
        for (int i = 0; i < b; i++)
            for (int q = 0; q < t; q++)
            {
                int qPos = Positions[i * t + q];
                for (int k = 0; k < tk; k++)
                {
                    bool visible = k <= past + q && (mask is null || mask.Storage[mask.Offset + i * tk + k] != 0f);
                    if (visible && window is { } w)
                    {
                        int kPos = k < past ? pastPositions![i * past + k] : Positions[i * t + k - past];
                        visible = qPos - kPos < w;
                    }
                    if (!visible) s[(i * t + q) * tk + k] = float.MinValue;
                }
            }
        attentionBiases[key] = bias;
        return bias;
    }

    /// <summary>Tells the cache this pass is complete.</summary>
    internal void Commit() => Cache?.Commit(Batch.Batch, Batch.Length, KeyMask, RealCount, Positions);
}
