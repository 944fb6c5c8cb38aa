using System.Numerics.Tensors;
using Tensor = Interrogate.Tensors.Tensor;

namespace Interrogate.Analysis.Ablation;

/// <summary>Per-token next-token cross-entropy read straight from logits (no autodiff, no [B, T, V] copy).</summary>
public static class TokenLosses
{
    /// <summary>
    /// Loss of predicting token t+1 at position t, for t = 0..T−2 of every row.
    /// logits: [B, T, V]; ids: [B·T] token ids of the same batch. Result: [B, T−1], row-major, in nats.
    /// </summary>
    public static float[] NextToken(Tensor logits, int[] ids)
    {
        int b = logits.Shape[0], t = logits.Shape[1], v = logits.Shape[2];
        var data = logits.ContiguousData().Span;
        var losses = new float[b * (t - 1)];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < t - 1; j++)
            {
                var row = data.Slice((i * t + j) * v, v);
                losses[i * (t - 1) + j] = LogSumExp(row) - row[ids[i * t + j + 1]];
            }
        return losses;
    }

    /// <summary>log Σ exp(row), stable (the engine's vectorised kernel).</summary>
    public static float LogSumExp(ReadOnlySpan<float> row) => Kernels.Softmax.LogSumExp(row);
}
