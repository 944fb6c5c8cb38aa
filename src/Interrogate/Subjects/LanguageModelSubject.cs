using System.Diagnostics;
using Interrogate.Data.Corpora;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;
using Interrogate.Training.LanguageModel;

namespace Interrogate.Subjects;

/// <summary>
/// A GPT-2 or Llama model with tokens: calibration tokens (from the train split), evaluation tokens
/// (the validation split), optionally held-out tokens, and a train split for fine-tuning. Its layers
/// are the MLPs (<c>blocks.L.mlp.hook_post</c> units, read by the MLP's output projection).
/// </summary>
public sealed class LanguageModelSubject : Subject
{
    private readonly UnitLayer[] layers;

    /// <param name="model">The model; its MLP weights are read in place.</param>
    /// <param name="calibration">Tokens scores, means and fits are measured on.</param>
    /// <param name="evaluation">Tokens the reported losses are measured on.</param>
    /// <param name="train">Training tokens for fine-tuning; null when the model will not be tuned.</param>
    /// <param name="batchSize">Windows per forward pass.</param>
    /// <param name="seed">Seeds which training windows fine-tuning reads.</param>
    /// <param name="heldOut">Tokens regressions fitted on the calibration tokens are checked on; null: none.</param>
    public LanguageModelSubject(CausalLanguageModel model, TokenSet calibration, TokenSet evaluation, TokenFile? train = null,
        int batchSize = 8, ulong seed = 0, TokenSet? heldOut = null)
    {
        Model = model;
        Calibration = calibration;
        Evaluation = evaluation;
        HeldOut = heldOut;
        Train = train;
        BatchSize = batchSize;
        Seed = seed;
        layers = [.. model.Blocks.Select((block, l) => block.Mlp switch
        {
            DenseMlp d => Layer(l, [d.In], d.Out),
            GatedMlp g => Layer(l, [g.Gate, g.Up], g.Down),
            _ => throw new InputException($"layer {l}: MLP type {block.Mlp.GetType().Name} has no layer of units"),
        })];
    }

    /// <summary>Windows of calibration and evaluation tokens, as pruning and importance read them.</summary>
    public LanguageModelSubject(CausalLanguageModel model, IReadOnlyList<int[]> calibration, IReadOnlyList<int[]> evaluation, TokenFile? train = null,
        int batchSize = 8, ulong seed = 0)
        : this(model, new WindowedTokens(calibration), new WindowedTokens(evaluation), train, batchSize, seed) { }

    /// <summary>
    /// Continuous texts for regressions: fitted on <paramref name="fit"/>, checked on <paramref name="heldOut"/>,
    /// every loss (Δloss, ablations) measured on <paramref name="evaluation"/>.
    /// </summary>
    public static LanguageModelSubject ForFits(CausalLanguageModel model, int[] fit, int[] heldOut, int[] evaluation, int batchSize = 8)
    {
        if (fit.Length < 2 || heldOut.Length < 2 || evaluation.Length < 2)
            throw new InputException($"--tokens: too few tokens ({fit.Length} fit, {heldOut.Length} held out, {evaluation.Length} evaluation); each part needs at least 2 (raise --tokens, or use a larger --corpus)");
        return new LanguageModelSubject(model, new ContinuousTokens(fit), new ContinuousTokens(evaluation), null, batchSize, 0, new ContinuousTokens(heldOut));
    }

    public CausalLanguageModel Model { get; }
    public TokenSet Calibration { get; }
    public TokenSet Evaluation { get; }
    public TokenSet? HeldOut { get; }
    public TokenFile? Train { get; }
    public int BatchSize { get; }
    public ulong Seed { get; }

    public override Module Module => Model;
    public override IReadOnlyList<UnitLayer> Layers => layers;
    public override string Unit => "tokens";
    private int Context => Model.Dimensions.ContextLength;
    /// <summary>The calibration tokens cut into windows of the model's context, as the calibration batches use them.</summary>
    public IReadOnlyList<int[]> CalibrationWindows => Calibration.Windows(Context);
    public override int CalibrationBatchCount => (CalibrationWindows.Count + BatchSize - 1) / BatchSize;

    private static UnitLayer Layer(int l, Linear[] incoming, Linear outgoing) =>
        new(l, HookNames.Mlp(l), HookNames.MlpPost(l), HookNames.Ln2Normalized(l), incoming, outgoing);

    private TokenSet Part(DataPart part) => part switch
    {
        DataPart.Calibration => Calibration,
        DataPart.HeldOut => HeldOut ?? throw new InvalidOperationException("this subject has no held-out tokens"),
        _ => Evaluation,
    };

    public override SubjectEvaluation Evaluate(DataPart part = DataPart.Evaluation) => Part(part).Evaluate(Model, BatchSize);

    public override string Describe(DataPart part) => part switch
    {
        DataPart.Calibration => $"calibration: {Calibration.Describe()} of the train split",
        DataPart.HeldOut => $"held out: {Part(part).Describe()}",
        _ => $"evaluation: {Evaluation.Describe()} of the validation split",
    };

    public override void Stream(DataPart part, ActivationSink sink)
    {
        var all = Part(part).Windows(Context);
        var names = Layers.Select(l => l.ActivationHook).ToArray();
        using var _ = GradientTape.NoGrad();
        for (int start = 0; start < all.Count; start += BatchSize)
        {
            var windows = all.Skip(start).Take(BatchSize).ToList();
            using var hooks = new HookScope().Cache(names);
            var batch = TokenBatch.Pad(windows, PaddingSide.Right);
            Model.ForwardBlocks(batch, Model.Blocks.Count);   // the layers are the MLPs: no final norm, no logits (a third of a GPT-2 small forward)
            for (int l = 0; l < Layers.Count; l++)
            {
                var data = hooks.Cached[names[l]].ContiguousData().Span;   // [B, T, width]
                int width = Layers[l].Width;
                for (int b = 0; b < windows.Count; b++)   // real tokens only: padding rows are skipped
                    sink(l, data.Slice(b * batch.Length * width, windows[b].Length * width));
            }
        }
    }

    public override (Tensor Loss, int Count) CalibrationLoss(int batch)
    {
        var tokens = WindowedTokens.Batch(CalibrationWindows, batch, BatchSize);
        return (CausalLanguageModel.NextTokenLoss(Model.Forward(tokens), tokens), tokens.Batch * (tokens.Length - 1));
    }

    public override double[] MeanAblatedLossSums(int layer, int batch, IReadOnlyList<int> units, float[] means) =>
        LanguageModelAblation.MeanAblatedLossSums(Model, layers[layer], WindowedTokens.Batch(CalibrationWindows, batch, BatchSize), units, means);

    /// <summary>One clean pass caches every listed layer's residual and activations; each layer's units resume from there.</summary>
    public override double[][] MeanAblatedLossSums(int batch, IReadOnlyList<IReadOnlyList<int>> units, IReadOnlyList<float[]> means, Action<double>? progress = null) =>
        LanguageModelAblation.MeanAblatedLossSums(Model, layers, WindowedTokens.Batch(CalibrationWindows, batch, BatchSize), units, means, progress);

    public override double Throughput()
    {
        using var _ = GradientTape.NoGrad();
        var windows = Evaluation.Windows(Context);
        int batches = (windows.Count + BatchSize - 1) / BatchSize;
        Model.Forward(WindowedTokens.Batch(windows, 0, BatchSize));   // warm-up
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        for (int i = 0; i < batches; i++)
        {
            var batch = WindowedTokens.Batch(windows, i, BatchSize);
            Model.Forward(batch);
            tokens += batch.Ids.Length;
        }
        return tokens / clock.Elapsed.TotalSeconds;
    }

    public override Subject Resized(int[] widths) =>
        new LanguageModelSubject(Model.WithMlpWidths(widths), Calibration, Evaluation, Train, BatchSize, Seed, HeldOut);

    /// <summary>The calibration windows' first 3/4 (at least one) joined into the fit text, the rest into the held-out and evaluation text.</summary>
    public override Subject CalibrationSplit()
    {
        var windows = CalibrationWindows;
        int split = Math.Max(1, windows.Count * 3 / 4);
        var fit = windows.Take(split).SelectMany(w => w).ToArray();
        var heldOut = windows.Skip(split).SelectMany(w => w).ToArray();
        if (heldOut.Length == 0) throw new InputException("--method redundancy: needs at least 2 calibration windows (raise --calibration-tokens)");
        return new LanguageModelSubject(Model, new ContinuousTokens(fit), new ContinuousTokens(heldOut), null, BatchSize, Seed, new ContinuousTokens(heldOut));
    }

    public override SubjectBatch TrainingBatch(long step)
    {
        if (Train is null) throw new InvalidOperationException("this subject has no training tokens");
        int t = CalibrationWindows[0].Length;
        return new TokenWindowBatch(new TokenBatch(TokenWindows.TrainBatch(Train, Seed, step, BatchSize, t), BatchSize, t));
    }

    public override Tensor Logits(SubjectBatch batch) => Model.Forward(Tokens(batch));

    public override Tensor TaskLoss(Tensor logits, SubjectBatch batch) => CausalLanguageModel.NextTokenLoss(logits, Tokens(batch));

    private static TokenBatch Tokens(SubjectBatch batch) => batch is TokenWindowBatch w ? w.Tokens
        : throw new ArgumentException($"a language model reads token windows, not {batch.GetType().Name}", nameof(batch));

    public override Optimizer CreateOptimizer(float learningRate) =>
        LanguageModelTrainer.CreateOptimizer(Model, new LanguageModelTrainingOptions { LearningRate = learningRate });

    public override void Save(string directory, bool perLayerWidths = false) => Model.SaveStandard(directory, perLayerWidths);
}
