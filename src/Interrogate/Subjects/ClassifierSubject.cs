using System.Diagnostics;
using Interrogate.Data;
using Interrogate.Models.Mlp;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;
using Interrogate.Training.LanguageModel;

namespace Interrogate.Subjects;

/// <summary>
/// An MLP classifier with labelled images: calibration images (a slice of the training set), the
/// evaluation images (the held-out test set), optionally held-out images for checking fits, and the
/// training set for fine-tuning. Its layers are the hidden layers (<c>layers.i.hook_post</c> units,
/// read by the next hidden layer or the head).
/// </summary>
public sealed class ClassifierSubject : Subject
{
    private readonly UnitLayer[] layers;
    private (long Epoch, int[] Order)? shuffled;

    /// <param name="model">The classifier; its weights are read in place.</param>
    /// <param name="calibration">Images scores, means, fits and --loss-budget searches are measured on.</param>
    /// <param name="evaluation">Images every reported loss and accuracy is measured on.</param>
    /// <param name="train">Images for fine-tuning; null when the network will not be tuned.</param>
    /// <param name="batchSize">Images per forward pass when measuring.</param>
    /// <param name="trainBatchSize">Images per fine-tuning step.</param>
    /// <param name="seed">Seeds which training images fine-tuning reads.</param>
    /// <param name="epochShuffle">Fine-tune on epoch-shuffled batches (see <see cref="EpochShuffle"/>).</param>
    /// <param name="evaluationName">What the evaluation images are, for reports ("test digits").</param>
    /// <param name="heldOut">Images fits made on the calibration images are checked on; null: none.</param>
    public ClassifierSubject(MlpClassifier model, LabelledImages calibration, LabelledImages evaluation, LabelledImages? train = null,
        int batchSize = 500, int trainBatchSize = 64, ulong seed = 0, bool epochShuffle = false, string evaluationName = "test digits",
        LabelledImages? heldOut = null)
    {
        Model = model;
        Calibration = calibration;
        EvaluationSet = evaluation;
        HeldOut = heldOut;
        TrainSet = train;
        BatchSize = batchSize;
        TrainBatchSize = trainBatchSize;
        Seed = seed;
        EpochShuffle = epochShuffle;
        EvaluationName = evaluationName;
        var hidden = model.HiddenLayers;
        layers = [.. hidden.Select((linear, i) => new UnitLayer(i, HookNames.ClassifierLayer(i), HookNames.ClassifierPost(i),
            i == 0 ? null : HookNames.ClassifierPost(i - 1), [linear], i + 1 < hidden.Count ? hidden[i + 1] : model.Output))];
    }

    /// <summary>Images for regressions: fitted on <paramref name="fit"/>, checked on <paramref name="heldOut"/>, every loss measured on <paramref name="evaluation"/>.</summary>
    public static ClassifierSubject ForFits(MlpClassifier model, LabelledImages fit, LabelledImages heldOut, LabelledImages evaluation, int batchSize = 500)
    {
        if (fit.Count == 0 || heldOut.Count == 0 || evaluation.Count == 0) throw new InputException("redundancy: the fit, held-out and evaluation sets must each hold at least one image");
        if (fit.Features != model.Config.InputSize) throw new InputException($"redundancy: the images have {fit.Features} features, the model expects {model.Config.InputSize}");
        return new ClassifierSubject(model, fit, evaluation, batchSize: batchSize, heldOut: heldOut);
    }

    /// <summary>Refuses layer-normalised MLPs: removing a unit would change how the others are normalised.</summary>
    public ClassifierSubject RequirePrunable() => Model.Config.Normalization == "none" ? this
        : throw new InputException($"an MLP with normalization '{Model.Config.Normalization}' cannot be pruned (only 'none')");

    public MlpClassifier Model { get; }
    public LabelledImages Calibration { get; }
    public LabelledImages EvaluationSet { get; }
    public LabelledImages? HeldOut { get; }
    public LabelledImages? TrainSet { get; }
    public int BatchSize { get; }
    public int TrainBatchSize { get; }
    public ulong Seed { get; }
    /// <summary>
    /// Fine-tuning batches walk a fresh shuffle of the training set each epoch (every digit once per
    /// epoch, as `train mnist` trains) instead of digits drawn at random with replacement.
    /// </summary>
    public bool EpochShuffle { get; }

    /// <summary>What the evaluation images are ("test digits", "held-out training digits").</summary>
    public string EvaluationName { get; }

    public override Module Module => Model;
    public override IReadOnlyList<UnitLayer> Layers => layers;
    public override string Unit => "samples";
    public override int CalibrationBatchCount => (Calibration.Count + BatchSize - 1) / BatchSize;

    private LabelledImages Part(DataPart part) => part switch
    {
        DataPart.Calibration => Calibration,
        DataPart.HeldOut => HeldOut ?? throw new InvalidOperationException("this subject has no held-out images"),
        _ => EvaluationSet,
    };

    public override string Describe(DataPart part) => part switch
    {
        DataPart.Calibration => $"calibration: the first {Calibration.Count:N0} training digits",
        DataPart.HeldOut => $"held out: {Part(part).Count:N0} images",
        _ => $"evaluation: {EvaluationSet.Count:N0} {EvaluationName}",
    };

    public override (Tensor Loss, int Count) CalibrationLoss(int batch)
    {
        var (x, y) = Rows(Calibration, batch);
        return (Model.Forward(x).CrossEntropy(y), y.Length);
    }

    public override double[]? InputSquares(int batch)
    {
        var (x, _) = Rows(Calibration, batch);
        var s = x.Span;
        var squares = new double[Calibration.Features];
        for (int i = 0; i < s.Length; i++) squares[i % squares.Length] += (double)s[i] * s[i];
        return squares;
    }

    public override double[] MeanAblatedLossSums(int layer, int batch, IReadOnlyList<int> units, float[] means)
    {
        var (x, y) = Rows(Calibration, batch);
        return ClassifierAblation.MeanAblatedLossSums(Model, layers[layer], x, y, units, means);
    }

    public override void Stream(DataPart part, ActivationSink sink)
    {
        var data = Part(part);
        var names = Layers.Select(l => l.ActivationHook).ToArray();
        Model.SetTraining(false);
        using var _ = GradientTape.NoGrad();
        for (int b = 0; b < (data.Count + BatchSize - 1) / BatchSize; b++)
        {
            using var hooks = new HookScope().Cache(names);
            Model.Forward(Rows(data, b).X);
            for (int l = 0; l < Layers.Count; l++) sink(l, hooks.Cached[names[l]].ContiguousData().Span);   // [n, width]
        }
    }

    /// <summary>
    /// Loss and accuracy as training reports them (<see cref="ClassifierTraining.Evaluate"/>: batch mean
    /// cross-entropy weighted by the batch size), with each sample's loss and correctness kept for paired comparisons.
    /// </summary>
    public override SubjectEvaluation Evaluate(DataPart part = DataPart.Evaluation)
    {
        var set = Part(part);
        Model.SetTraining(false);
        using var _ = GradientTape.NoGrad();
        var losses = new List<double>(set.Count);
        var correct = new List<double>(set.Count);
        double lossSum = 0;
        int classes = Model.Config.NumClasses;
        for (int b = 0; b < (set.Count + BatchSize - 1) / BatchSize; b++)
        {
            var (x, y) = Rows(set, b);
            var logits = Model.Forward(x);   // [n, classes]
            lossSum += (double)logits.CrossEntropy(y).Item() * y.Length;
            var l = logits.ContiguousData().Span;
            for (int r = 0; r < y.Length; r++)
            {
                var row = l.Slice(r * classes, classes);
                losses.Add(RowLoss(row, y[r]));
                correct.Add(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row) == y[r] ? 1 : 0);
            }
        }
        return new SubjectEvaluation(lossSum / set.Count, correct.Sum() / set.Count, set.Count) { ItemLosses = losses, ItemCorrect = correct };
    }

    public override double Throughput()
    {
        using var _ = GradientTape.NoGrad();
        int batches = (EvaluationSet.Count + BatchSize - 1) / BatchSize;
        Model.Forward(Rows(EvaluationSet, 0).X);   // warm-up
        var clock = Stopwatch.StartNew();
        long samples = 0;
        for (int rep = 0; rep < 5; rep++)
            for (int i = 0; i < batches; i++)
            {
                var (x, y) = Rows(EvaluationSet, i);
                Model.Forward(x);
                samples += y.Length;
            }
        return samples / clock.Elapsed.TotalSeconds;
    }

    public override Subject Resized(int[] widths) =>
        new ClassifierSubject(new MlpClassifier(Model.Config with { HiddenSizes = widths }, Seed), Calibration, EvaluationSet, TrainSet,
            BatchSize, TrainBatchSize, Seed, EpochShuffle, EvaluationName, HeldOut);

    /// <summary>The calibration images' first 3/4 (at least one) to fit, the rest held out and evaluated on, 500 per pass.</summary>
    public override Subject CalibrationSplit()
    {
        int n = Calibration.Count, split = Math.Max(1, n * 3 / 4);
        var fit = Calibration.Subset([.. Enumerable.Range(0, split)]);
        var heldOut = Calibration.Subset([.. Enumerable.Range(split, n - split)]);
        return ForFits(Model, fit, heldOut, heldOut);
    }

    public override SubjectBatch TrainingBatch(long step)
    {
        var train = TrainSet ?? throw new InvalidOperationException("this subject has no training set");
        int size = Math.Min(TrainBatchSize, train.Count);
        if (EpochShuffle)
        {
            int perEpoch = train.Count / size;   // full batches; the remainder waits for a later epoch's shuffle
            long epoch = step / perEpoch;
            if (shuffled is not { } s || s.Epoch != epoch)
            {
                var order = Enumerable.Range(0, train.Count).ToArray();
                TokenWindows.StepRandom(Seed ^ 0xE90C5UL, epoch).Shuffle<int>(order);
                shuffled = (epoch, order);
            }
            return Labelled(train.Batch(shuffled.Value.Order.AsSpan((int)(step % perEpoch) * size, size)));
        }
        var rng = TokenWindows.StepRandom(Seed, step);
        var indices = new int[size];
        for (int i = 0; i < indices.Length; i++) indices[i] = rng.NextInt(train.Count);
        return Labelled(train.Batch(indices));
    }

    public override Tensor Logits(SubjectBatch batch) => Model.Forward(Labelled(batch).X);

    public override Tensor TaskLoss(Tensor logits, SubjectBatch batch) => logits.CrossEntropy(Labelled(batch).Y);

    public override Optimizer CreateOptimizer(float learningRate) =>
        ClassifierTraining.CreateOptimizer(Model, new ClassifierTrainingOptions { LearningRate = learningRate });

    /// <remarks>Classifier folders always record each layer's width (their own format), so <paramref name="perLayerWidths"/> changes nothing.</remarks>
    public override void Save(string directory, bool perLayerWidths = false) => MlpStore.Save(Model, directory);

    private static LabelledBatch Labelled((Tensor X, int[] Y) rows) => new(rows.X, rows.Y);

    private static LabelledBatch Labelled(SubjectBatch batch) => batch as LabelledBatch
        ?? throw new ArgumentException($"a classifier reads labelled rows, not {batch.GetType().Name}", nameof(batch));

    private (Tensor X, int[] Y) Rows(LabelledImages set, int batch)
    {
        int first = batch * BatchSize, n = Math.Min(BatchSize, set.Count - first);
        return set.Batch([.. Enumerable.Range(first, n)]);
    }
}
