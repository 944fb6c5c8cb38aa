using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Redundancy;

/// <summary>
/// A GPT-2 or Llama model as a redundancy subject: one layer per block's MLP (<c>blocks.L.mlp.hook_post</c>,
/// read by the MLP's output projection), activations over token windows of the model's context, and
/// the mean next-token loss on the evaluation tokens.
/// </summary>
public sealed class TransformerSubject : IRedundancySubject
{
    private readonly CausalLanguageModel model;
    private readonly int[] fit, heldOut, evaluation;

    /// <summary>Regressions are fitted on fitTokens and scored on heldOutTokens; every loss (Δloss, ablations) is measured on evaluationTokens. Windows of the model's context run batchSize at a time.</summary>
    public TransformerSubject(CausalLanguageModel model, int[] fitTokens, int[] heldOutTokens, int[] evaluationTokens, int batchSize = 8)
    {
        if (fitTokens.Length < 2 || heldOutTokens.Length < 2 || evaluationTokens.Length < 2)
            throw new InputException($"--tokens: too few tokens ({fitTokens.Length} fit, {heldOutTokens.Length} held out, {evaluationTokens.Length} evaluation); each part needs at least 2 (raise --tokens, or use a larger --corpus)");
        this.model = model;
        fit = fitTokens;
        heldOut = heldOutTokens;
        evaluation = evaluationTokens;
        BatchSize = batchSize;
        Layers = [.. model.Blocks.Select((b, i) => Layer(i, b.Mlp))];
    }

    public IReadOnlyList<RedundancyLayer> Layers { get; }
    public int BatchSize { get; }

    private static RedundancyLayer Layer(int index, FeedForward mlp)
    {
        var output = mlp switch
        {
            DenseMlp dense => dense.Out,
            GatedMlp gated => gated.Down,
            _ => throw new NotSupportedException($"redundancy: unknown MLP type {mlp.GetType().Name}"),
        };
        return new RedundancyLayer(index, mlp.HookPost.FullName, output.Weight, output.Bias);
    }

    public void Stream(DataPart part, ActivationSink sink)
    {
        var tokens = part == DataPart.Fit ? fit : heldOut;
        int window = model.Dimensions.ContextLength;
        var names = Layers.Select(l => l.Hook).ToArray();
        using var _ = GradientTape.NoGrad();
        for (int start = 0; start < tokens.Length; start += window * BatchSize)
        {
            var windows = new List<int[]>();
            for (int s = start; s < Math.Min(tokens.Length, start + window * BatchSize); s += window)
                windows.Add(tokens[s..Math.Min(tokens.Length, s + window)]);
            using var hooks = new HookScope().Cache(names);
            var batch = TokenBatch.Pad(windows, PaddingSide.Right);
            model.Forward(batch);
            for (int l = 0; l < Layers.Count; l++)
            {
                var data = hooks.Cached[names[l]].ContiguousData().Span;   // [B, T, width]
                int width = Layers[l].Width;
                for (int b = 0; b < windows.Count; b++)   // real tokens only: padding rows are skipped
                    sink(l, data.Slice(b * batch.Length * width, windows[b].Length * width));
            }
        }
    }

    public SubjectScore Evaluate() => new(TextLoss.Measure(model, evaluation, BatchSize).MeanLoss, null);
}
