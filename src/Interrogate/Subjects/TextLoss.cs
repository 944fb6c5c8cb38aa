using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Subjects;

/// <summary>Mean next-token cross-entropy of a language model over a long token sequence.</summary>
public static class TextLoss
{
    public sealed record Result(int Tokens, int Predictions, double MeanLoss);

    /// <summary>
    /// Splits the tokens into windows of the model's context that overlap by one token, so every
    /// token after the first is predicted exactly once; returns the mean loss (nats) over those
    /// N − 1 predictions. Windows run in batches of <paramref name="batchSize"/>.
    /// </summary>
    public static Result Measure(CausalLanguageModel model, int[] tokens, int batchSize = 4, Action<double>? progress = null)
    {
        if (tokens.Length < 2) throw new InputException($"the text has {tokens.Length} token(s); at least 2 are needed to measure a next-token loss");
        int context = model.Dimensions.ContextLength;
        int stride = context - 1;
        var windows = new List<(int Start, int Length)>();
        for (int start = 0; start < tokens.Length - 1; start += stride)
            windows.Add((start, Math.Min(context, tokens.Length - start)));
        double total = 0;
        int predictions = 0;
        using var _ = GradientTape.NoGrad();
        for (int w = 0; w < windows.Count; w += batchSize)
        {
            var group = windows.Skip(w).Take(batchSize).ToList();
            var batch = TokenBatch.Pad([.. group.Select(g => tokens.AsSpan(g.Start, g.Length).ToArray())], PaddingSide.Right);
            var logits = model.Forward(batch);   // [B, T, V]
            var sequences = group.Select(g => g.Length).ToArray();
            total += SumLoss(logits.ContiguousData().Span, batch, sequences, model.Dimensions.VocabSize);
            predictions += sequences.Sum(n => n - 1);
            progress?.Invoke((double)Math.Min(w + batchSize, windows.Count) / windows.Count);
        }
        return new Result(tokens.Length, predictions, total / predictions);
    }

    private static double SumLoss(ReadOnlySpan<float> logits, TokenBatch batch, int[] lengths, int vocab)
    {
        double sum = 0;
        for (int b = 0; b < lengths.Length; b++)
            for (int t = 0; t < lengths[b] - 1; t++)
            {
                var row = logits.Slice((b * batch.Length + t) * vocab, vocab);
                int target = batch.Ids[b * batch.Length + t + 1];
                float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
                double z = 0;
                foreach (var v in row) z += Math.Exp(v - max);
                sum += Math.Log(z) + max - row[target];
            }
        return sum;
    }
}
