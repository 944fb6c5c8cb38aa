using System.Diagnostics;
using System.Globalization;
using Interrogate.Data.Corpora;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;
using Interrogate.Training.LanguageModel;

namespace Interrogate.Analysis.Importance;

/// <summary>
/// A GPT-2 or Llama model with token windows: calibration windows (from the train split), evaluation
/// windows (validation split) and a train split for fine-tuning. Its layers are the MLPs
/// (<c>blocks.L.mlp.hook_post</c> neurons).
/// </summary>
public sealed class LanguageModelNetwork : PrunableNetwork
{
    private readonly NeuronLayer[] layers;

    /// <param name="model">The model; its MLP weights are read in place.</param>
    /// <param name="calibration">Token windows [n][T], all the same length T ≤ the context.</param>
    /// <param name="evaluation">Token windows [m][T'] the reported losses are measured on.</param>
    /// <param name="train">Training tokens for fine-tuning; null when the network will not be tuned.</param>
    /// <param name="batchSize">Windows per forward pass.</param>
    /// <param name="seed">Seeds which training windows fine-tuning reads.</param>
    public LanguageModelNetwork(CausalLanguageModel model, IReadOnlyList<int[]> calibration, IReadOnlyList<int[]> evaluation,
        TokenFile? train = null, int batchSize = 8, ulong seed = 0)
    {
        Model = model;
        Calibration = calibration;
        Evaluation = evaluation;
        Train = train;
        BatchSize = batchSize;
        Seed = seed;
        layers = [.. model.Blocks.Select((block, l) =>
        {
            var prefix = $"blocks.{l.ToString(CultureInfo.InvariantCulture)}.";
            return block.Mlp switch
            {
                DenseMlp d => new NeuronLayer(prefix + "mlp", prefix + "mlp.hook_post", prefix + "ln2.hook_normalized", [d.In], d.Out),
                GatedMlp g => new NeuronLayer(prefix + "mlp", prefix + "mlp.hook_post", prefix + "ln2.hook_normalized", [g.Gate, g.Up], g.Down),
                _ => throw new InputException($"layer {l}: MLP type {block.Mlp.GetType().Name} cannot be pruned"),
            };
        })];
    }

    public CausalLanguageModel Model { get; }
    public IReadOnlyList<int[]> Calibration { get; }
    public IReadOnlyList<int[]> Evaluation { get; }
    public TokenFile? Train { get; }
    public int BatchSize { get; }
    public ulong Seed { get; }

    public override Module Module => Model;
    public override IReadOnlyList<NeuronLayer> Layers => layers;
    public override string Unit => "tokens";
    public override int CalibrationBatchCount => (Calibration.Count + BatchSize - 1) / BatchSize;

    public override (Tensor Loss, int Count) CalibrationLoss(int batch)
    {
        var tokens = Batch(Calibration, batch);
        return (CausalLanguageModel.NextTokenLoss(Model.Forward(tokens), tokens), tokens.Batch * (tokens.Length - 1));
    }

    /// <summary>
    /// Ablating neuron j changes the MLP output by (mean_j − a_j)·W_out[:, j] at each position and changes
    /// nothing before it, so the residual after the block is computed once; each neuron's copy of it gets
    /// its own correction and only the later blocks, the final norm and the unembedding run per neuron,
    /// as many neurons per pass as fit about 16M logits.
    /// </summary>
    public override double[] MeanAblatedLossSums(int layer, int batch, IReadOnlyList<int> neurons, float[] means)
    {
        var tokens = Batch(Calibration, batch);
        int b = tokens.Batch, t = tokens.Length, d = Model.Dimensions.DModel, w = layers[layer].Width;
        var residName = $"blocks.{layer.ToString(CultureInfo.InvariantCulture)}.hook_resid_post";
        using var _ = GradientTape.NoGrad();
        float[] resid, post;
        using (var hooks = new HookScope().Cache(residName, layers[layer].ActivationHook))
        {
            Model.Forward(tokens);
            resid = hooks.Cached[residName].ContiguousData().Span.ToArray();                // [B, T, D]
            post = hooks.Cached[layers[layer].ActivationHook].ContiguousData().Span.ToArray();  // [B, T, W]
        }
        var wOut = layers[layer].Outgoing.Weight.Span;   // [D, W]
        int chunk = Math.Max(1, 16_000_000 / (b * t * Model.Dimensions.VocabSize));
        var result = new double[neurons.Count];
        for (int start = 0; start < neurons.Count; start += chunk)
        {
            int k = Math.Min(chunk, neurons.Count - start);
            var x = new float[k * b * t * d];   // [k·B, T, D]
            for (int c = 0; c < k; c++)
            {
                int j = neurons[start + c];
                resid.CopyTo(x, c * b * t * d);
                for (int p = 0; p < b * t; p++)
                {
                    float delta = means[j] - post[p * w + j];
                    var row = x.AsSpan((c * b * t + p) * d, d);
                    for (int e = 0; e < d; e++) row[e] += delta * wOut[e * w + j];
                }
            }
            var ids = new int[k * b * t];
            for (int c = 0; c < k; c++) tokens.Ids.CopyTo(ids, c * b * t);
            var copies = new TokenBatch(ids, k * b, t);
            var logits = Suffix(new Tensor(x, k * b, t, d), copies, layer + 1);
            var sums = RowLossSums(logits.ContiguousData().Span, copies);
            for (int c = 0; c < k; c++)
                for (int r = 0; r < b; r++) result[start + c] += sums[c * b + r];
        }
        return result;
    }

    /// <summary>Runs blocks from <paramref name="firstBlock"/> on, the final norm and the unembedding. x: [B, T, D] → logits [B, T, V].</summary>
    private Tensor Suffix(Tensor x, TokenBatch batch, int firstBlock)
    {
        var ctx = ForwardContext.Create(batch, null, Model.Dimensions.ContextLength);
        for (int l = firstBlock; l < Model.Blocks.Count; l++) x = Model.Blocks[l].Forward(x, ctx);
        return Model.LnFinal.Forward(x).Linear(Model.UnembedWeight);
    }

    public override NetworkEvaluation Evaluate() => Measure(Evaluation);

    public override NetworkEvaluation EvaluateCalibration() => Measure(Calibration);

    public override string CalibrationData => $"calibration: {Calibration.Count} windows of {Calibration[0].Length} tokens of the train split";

    public override string EvaluationData => $"evaluation: {Evaluation.Count} windows of {Evaluation[0].Length} tokens of the validation split";

    /// <summary>Mean next-token loss over the windows, with each window's own mean kept for paired comparisons.</summary>
    private NetworkEvaluation Measure(IReadOnlyList<int[]> windows)
    {
        using var _ = GradientTape.NoGrad();
        double sum = 0;
        long count = 0;
        var items = new List<double>(windows.Count);
        for (int i = 0; i < (windows.Count + BatchSize - 1) / BatchSize; i++)
        {
            var tokens = Batch(windows, i);
            var rows = RowLossSums(Model.Forward(tokens).ContiguousData().Span, tokens);
            sum += rows.Sum();
            count += tokens.Batch * (tokens.Length - 1);
            items.AddRange(rows.Select(r => r / Math.Max(1, tokens.Length - 1)));
        }
        return new NetworkEvaluation(sum / count, null, count) { ItemLosses = items };
    }

    public override double Throughput()
    {
        using var _ = GradientTape.NoGrad();
        int batches = (Evaluation.Count + BatchSize - 1) / BatchSize;
        Model.Forward(Batch(Evaluation, 0));   // warm-up
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        for (int i = 0; i < batches; i++)
        {
            var batch = Batch(Evaluation, i);
            Model.Forward(batch);
            tokens += batch.Ids.Length;
        }
        return tokens / clock.Elapsed.TotalSeconds;
    }

    public override PrunableNetwork Resized(int[] widths) =>
        new LanguageModelNetwork(Model.WithMlpWidths(widths), Calibration, Evaluation, Train, BatchSize, Seed);

    public override object TrainingBatch(long step)
    {
        if (Train is null) throw new InvalidOperationException("this network has no training tokens");
        int t = Calibration[0].Length;
        return new TokenBatch(TokenWindows.TrainBatch(Train, Seed, step, BatchSize, t), BatchSize, t);
    }

    public override Tensor Logits(object batch) => Model.Forward((TokenBatch)batch);

    public override Tensor TaskLoss(Tensor logits, object batch) => CausalLanguageModel.NextTokenLoss(logits, (TokenBatch)batch);

    public override Optimizer CreateOptimizer(float learningRate) =>
        LanguageModelTrainer.CreateOptimizer(Model, new LanguageModelTrainingOptions { LearningRate = learningRate });

    public override void Save(string directory, bool perLayerWidths = false) => Model.SaveStandard(directory, perLayerWidths);

    private TokenBatch Batch(IReadOnlyList<int[]> windows, int index)
    {
        int first = index * BatchSize, n = Math.Min(BatchSize, windows.Count - first), t = windows[first].Length;
        var ids = new int[n * t];
        for (int i = 0; i < n; i++) windows[first + i].CopyTo(ids, i * t);
        return new TokenBatch(ids, n, t);
    }

    /// <summary>Summed next-token loss of each row. logits: [B, T, V] of an unpadded batch; result: [B].</summary>
    private double[] RowLossSums(ReadOnlySpan<float> logits, TokenBatch batch)
    {
        int v = Model.Dimensions.VocabSize, t = batch.Length;
        var sums = new double[batch.Batch];
        for (int r = 0; r < batch.Batch; r++)
            for (int p = 0; p < t - 1; p++)
            {
                var row = logits.Slice((r * t + p) * v, v);
                float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
                double z = 0;
                foreach (var x in row) z += Math.Exp(x - max);
                sums[r] += Math.Log(z) + max - row[batch.Ids[r * t + p + 1]];
            }
        return sums;
    }
}
