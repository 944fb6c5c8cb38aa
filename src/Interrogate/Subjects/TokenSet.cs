using Interrogate.Kernels;
using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Subjects;

/// <summary>
/// Tokens a language-model subject reads: fixed windows (scored window by window, each prediction
/// inside its window), or one continuous text (scored as <see cref="TextLoss"/> scores a text: every
/// token after the first predicted once, windows of the model's context overlapping by one).
/// </summary>
public abstract class TokenSet
{
    /// <summary>The windows forward passes read, in order; a continuous text is cut into windows of <paramref name="context"/>.</summary>
    public abstract IReadOnlyList<int[]> Windows(int context);

    /// <summary>Mean next-token loss of the model over the tokens, batchSize windows per pass.</summary>
    public abstract SubjectEvaluation Evaluate(CausalLanguageModel model, int batchSize);

    /// <summary>"16 windows of 128 tokens", "4,096 tokens".</summary>
    public abstract string Describe();
}

/// <summary>Windows of equal length, each scored on its own; evaluations keep each window's mean loss for paired comparisons.</summary>
public sealed class WindowedTokens(IReadOnlyList<int[]> windows) : TokenSet
{
    public IReadOnlyList<int[]> All { get; } = windows;

    public override IReadOnlyList<int[]> Windows(int context) => All;

    public override string Describe() => $"{All.Count} windows of {All[0].Length} tokens";

    public override SubjectEvaluation Evaluate(CausalLanguageModel model, int batchSize)
    {
        using var _ = GradientTape.NoGrad();
        double sum = 0;
        long count = 0;
        var items = new List<double>(All.Count);
        for (int i = 0; i < (All.Count + batchSize - 1) / batchSize; i++)
        {
            var tokens = Batch(All, i, batchSize);
            var rows = RowLossSums(model, model.Forward(tokens).ContiguousData().Span, tokens);
            sum += rows.Sum();
            count += tokens.Batch * (tokens.Length - 1);
            items.AddRange(rows.Select(r => r / Math.Max(1, tokens.Length - 1)));
        }
        return new SubjectEvaluation(sum / count, null, count) { ItemLosses = items };
    }

    /// <summary>Windows index·batchSize onward, up to batchSize of them, as one unpadded batch (all of the first one's length).</summary>
    public static TokenBatch Batch(IReadOnlyList<int[]> windows, int index, int batchSize)
    {
        int first = index * batchSize, n = Math.Min(batchSize, windows.Count - first), t = windows[first].Length;
        var ids = new int[n * t];
        for (int i = 0; i < n; i++) windows[first + i].CopyTo(ids, i * t);
        return new TokenBatch(ids, n, t);
    }

    /// <summary>
    /// Summed next-token loss of each row. logits: [B, T, V] of an unpadded batch; result: [B]. Positions run on
    /// every thread (GPT-2's vocabulary makes this a few hundred milliseconds a 1,024-token row on one); each row's
    /// sum then adds its positions' losses in order, so the result does not depend on the thread count.
    /// </summary>
    public static unsafe double[] RowLossSums(CausalLanguageModel model, ReadOnlySpan<float> logits, TokenBatch batch)
    {
        int v = model.Dimensions.VocabSize, t = batch.Length, rows = batch.Batch;
        if (logits.Length < rows * t * v) throw new ArgumentException("logits are smaller than [B, T, V]");
        var losses = new double[rows * Math.Max(0, t - 1)];
        var ids = batch.Ids;
        fixed (float* all = logits)
        {
            var at = (nint)all;
            Parallelism.For(losses.Length, i =>
            {
                int r = i / (t - 1), p = i % (t - 1);
                var row = new ReadOnlySpan<float>((float*)at + (long)(r * t + p) * v, v);
                float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
                double z = 0;
                foreach (var x in row) z += Math.Exp(x - max);
                losses[i] = Math.Log(z) + max - row[ids[r * t + p + 1]];
            });
        }
        var sums = new double[rows];
        for (int r = 0; r < rows; r++)
            for (int p = 0; p < t - 1; p++) sums[r] += losses[r * (t - 1) + p];
        return sums;
    }
}

/// <summary>One continuous text; forward passes read it in windows of the model's context (the last one shorter).</summary>
public sealed class ContinuousTokens(int[] tokens) : TokenSet
{
    public int[] Tokens { get; } = tokens;

    public override IReadOnlyList<int[]> Windows(int context)
    {
        var windows = new List<int[]>();
        for (int s = 0; s < Tokens.Length; s += context) windows.Add(Tokens[s..Math.Min(Tokens.Length, s + context)]);
        return windows;
    }

    public override string Describe() => $"{Tokens.Length:N0} tokens";

    public override SubjectEvaluation Evaluate(CausalLanguageModel model, int batchSize)
    {
        var result = TextLoss.Measure(model, Tokens, batchSize);
        return new SubjectEvaluation(result.MeanLoss, null, result.Predictions);
    }
}
