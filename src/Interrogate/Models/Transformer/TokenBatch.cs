using Interrogate.Tensors;

namespace Interrogate.Models.Transformer;

/// <summary>Where pad tokens go when sequences of different lengths share a batch.</summary>
public enum PaddingSide { Right, Left }

/// <summary>
/// Token ids for a batch of B sequences of T tokens, row-major, with an optional attention mask
/// (1 = real token, 0 = padding). Positions count real tokens only, so a padded sequence gets the
/// same logits at its real tokens as when run alone.
/// </summary>
public sealed class TokenBatch
{
    public TokenBatch(int[] ids, int batch, int length, Tensor? mask = null)
    {
        if (batch < 1 || length < 1 || ids.Length != batch * length)
            throw new ArgumentException($"{ids.Length} token ids do not fill a batch of [{batch}, {length}]");
        if (mask is not null && (mask.Rank != 2 || mask.Shape[0] != batch || mask.Shape[1] != length))
            throw new ArgumentException($"attention mask {mask.Describe()} must be [{batch}, {length}]");
        Ids = ids;
        Batch = batch;
        Length = length;
        Mask = mask;
    }

    public int[] Ids { get; }        // [B, T]
    public int Batch { get; }        // B
    public int Length { get; }       // T
    public Tensor? Mask { get; }     // [B, T] of 1/0, or null when every token is real

    /// <summary>One sequence as a batch of one, with no padding.</summary>
    public static TokenBatch Single(params int[] ids) => new(ids, 1, ids.Length);

    /// <summary>Pads sequences to the longest with <paramref name="padId"/> and builds the mask.</summary>
    public static TokenBatch Pad(IReadOnlyList<int[]> sequences, PaddingSide side, int padId = 0)
    {
        if (sequences.Count == 0 || sequences.Any(s => s.Length == 0))
            throw new ArgumentException("every sequence of a batch needs at least one token");
        int b = sequences.Count, t = sequences.Max(s => s.Length);
        var ids = new int[b * t];
        var mask = Tensor.Zeros(b, t);   // [B, T]
        for (int i = 0; i < b; i++)
        {
            var s = sequences[i];
            int start = side == PaddingSide.Left ? t - s.Length : 0;
            Array.Fill(ids, padId, i * t, t);
            s.CopyTo(ids, i * t + start);
            mask.Span.Slice(i * t + start, s.Length).Fill(1f);
        }
        return new TokenBatch(ids, b, t, mask);
    }

    public bool IsReal(int b, int t) => Mask is null || Mask.Storage[Mask.Offset + b * Length + t] != 0f;
}
