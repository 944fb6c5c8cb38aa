using System.Diagnostics;
using System.Globalization;
using Interrogate.Data;
using Interrogate.Models.Mlp;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;
using Interrogate.Training.LanguageModel;

namespace Interrogate.Analysis.Importance;

/// <summary>
/// An MLP classifier with labelled images: calibration images (a slice of the training set), the
/// held-out test set for evaluation, and the training set for fine-tuning. Its layers are the hidden
/// layers (<c>layers.i.hook_post</c> neurons). Layer-normalised MLPs are refused: removing a unit would
/// change how the others are normalised.
/// </summary>
public sealed class ClassifierNetwork : PrunableNetwork
{
    private readonly NeuronLayer[] layers;

    /// <param name="model">The classifier; its weights are read in place.</param>
    /// <param name="calibration">Images scores, means and --loss-budget searches are measured on.</param>
    /// <param name="evaluation">Images every reported loss and accuracy is measured on.</param>
    /// <param name="train">Images for fine-tuning; null when the network will not be tuned.</param>
    /// <param name="batchSize">Images per forward pass when measuring.</param>
    /// <param name="trainBatchSize">Images per fine-tuning step.</param>
    /// <param name="seed">Seeds which training images fine-tuning reads.</param>
    /// <param name="epochShuffle">Fine-tune on epoch-shuffled batches (see <see cref="EpochShuffle"/>).</param>
    /// <param name="evaluationName">What the evaluation images are, for reports ("test digits").</param>
    public ClassifierNetwork(MlpClassifier model, LabelledImages calibration, LabelledImages evaluation, LabelledImages? train = null,
        int batchSize = 500, int trainBatchSize = 64, ulong seed = 0, bool epochShuffle = false, string evaluationName = "test digits")
    {
        if (model.Config.Normalization != "none")
            throw new InputException($"an MLP with normalization '{model.Config.Normalization}' cannot be pruned (only 'none')");
        Model = model;
        Calibration = calibration;
        EvaluationSet = evaluation;
        TrainSet = train;
        BatchSize = batchSize;
        TrainBatchSize = trainBatchSize;
        Seed = seed;
        EpochShuffle = epochShuffle;
        EvaluationName = evaluationName;
        var hidden = model.HiddenLayers;
        layers = [.. hidden.Select((linear, i) => new NeuronLayer($"layers.{Name(i)}", $"layers.{Name(i)}.hook_post",
            i == 0 ? null : $"layers.{Name(i - 1)}.hook_post", [linear], i + 1 < hidden.Count ? hidden[i + 1] : model.Output))];
    }

    public MlpClassifier Model { get; }
    public LabelledImages Calibration { get; }
    public LabelledImages EvaluationSet { get; }
    public LabelledImages? TrainSet { get; }
    public int BatchSize { get; }
    public int TrainBatchSize { get; }
    public ulong Seed { get; }
    /// <summary>
    /// Fine-tuning batches walk a fresh shuffle of the training set each epoch (every digit once per
    /// epoch, as `train mnist` trains) instead of digits drawn at random with replacement.
    /// </summary>
    public bool EpochShuffle { get; }
    private (long Epoch, int[] Order)? shuffled;

    /// <summary>What the evaluation images are ("test digits", "held-out training digits").</summary>
    public string EvaluationName { get; }

    public override Module Module => Model;
    public override IReadOnlyList<NeuronLayer> Layers => layers;
    public override string Unit => "samples";
    public override int CalibrationBatchCount => (Calibration.Count + BatchSize - 1) / BatchSize;

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

    /// <summary>
    /// The hidden activations of the layer are computed once; each neuron gets a copy with its column set to
    /// its mean, and only the later layers run, many neurons per pass.
    /// </summary>
    public override double[] MeanAblatedLossSums(int layer, int batch, IReadOnlyList<int> neurons, float[] means)
    {
        var (x, y) = Rows(Calibration, batch);
        int n = y.Length, w = layers[layer].Width;
        using var _ = GradientTape.NoGrad();
        float[] post;
        using (var hooks = new HookScope().Cache(layers[layer].ActivationHook))
        {
            Model.Forward(x);
            post = hooks.Cached[layers[layer].ActivationHook].ContiguousData().Span.ToArray();   // [N, W]
        }
        int chunk = Math.Max(1, 4_000_000 / (n * w));
        var result = new double[neurons.Count];
        for (int start = 0; start < neurons.Count; start += chunk)
        {
            int k = Math.Min(chunk, neurons.Count - start);
            var h = new float[k * n * w];   // [k·N, W]
            var labels = new int[k * n];
            for (int c = 0; c < k; c++)
            {
                int j = neurons[start + c];
                post.CopyTo(h, c * n * w);
                for (int r = 0; r < n; r++) h[(c * n + r) * w + j] = means[j];
                y.CopyTo(labels, c * n);
            }
            var hidden = new Tensor(h, k * n, w);
            for (int i = layer + 1; i < Model.HiddenLayers.Count; i++)
                hidden = Activation.Apply(Model.Config.Activation, Model.HiddenLayers[i].Forward(hidden));
            var logits = Model.Output.Forward(hidden).ContiguousData().Span;   // [k·N, C]
            int classes = Model.Config.NumClasses;
            for (int c = 0; c < k; c++)
                for (int r = 0; r < n; r++)
                    result[start + c] += RowLoss(logits.Slice((c * n + r) * classes, classes), y[r]);
        }
        return result;
    }

    public override NetworkEvaluation Evaluate() => Measure(EvaluationSet);

    public override NetworkEvaluation EvaluateCalibration() => Measure(Calibration);

    public override string CalibrationData => $"calibration: the first {Calibration.Count:N0} training digits";

    public override string EvaluationData => $"evaluation: {EvaluationSet.Count:N0} {EvaluationName}";

    /// <summary>Loss and accuracy as training reports them, with each sample's loss and correctness kept for paired comparisons.</summary>
    private NetworkEvaluation Measure(LabelledImages set)
    {
        var m = ClassifierTraining.Evaluate(Model, set, BatchSize);
        var losses = new List<double>(set.Count);
        var correct = new List<double>(set.Count);
        using var _ = GradientTape.NoGrad();
        int classes = Model.Config.NumClasses;
        for (int b = 0; b < (set.Count + BatchSize - 1) / BatchSize; b++)
        {
            var (x, y) = Rows(set, b);
            var logits = Model.Forward(x).ContiguousData().Span;   // [n, classes]
            for (int r = 0; r < y.Length; r++)
            {
                var row = logits.Slice(r * classes, classes);
                losses.Add(RowLoss(row, y[r]));
                correct.Add(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row) == y[r] ? 1 : 0);
            }
        }
        return new NetworkEvaluation(m.Loss, m.Accuracy, m.Count) { ItemLosses = losses, ItemCorrect = correct };
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

    public override PrunableNetwork Resized(int[] widths) =>
        new ClassifierNetwork(new MlpClassifier(Model.Config with { HiddenSizes = widths }, Seed), Calibration, EvaluationSet, TrainSet,
            BatchSize, TrainBatchSize, Seed, EpochShuffle, EvaluationName);

    public override object TrainingBatch(long step)
    {
        var train = TrainSet ?? throw new InvalidOperationException("this network has no training set");
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
            return train.Batch(shuffled.Value.Order.AsSpan((int)(step % perEpoch) * size, size));
        }
        var rng = TokenWindows.StepRandom(Seed, step);
        var indices = new int[size];
        for (int i = 0; i < indices.Length; i++) indices[i] = rng.NextInt(train.Count);
        return train.Batch(indices);
    }

    public override Tensor Logits(object batch) => Model.Forward((((Tensor X, int[] Y))batch).X);

    public override Tensor TaskLoss(Tensor logits, object batch) => logits.CrossEntropy((((Tensor X, int[] Y))batch).Y);

    public override Optimizer CreateOptimizer(float learningRate) =>
        ClassifierTraining.CreateOptimizer(Model, new ClassifierTrainingOptions { LearningRate = learningRate });

    /// <remarks>Classifier folders always record each layer's width (their own format), so <paramref name="perLayerWidths"/> changes nothing.</remarks>
    public override void Save(string directory, bool perLayerWidths = false) => MlpStore.Save(Model, directory);

    private (Tensor X, int[] Y) Rows(LabelledImages set, int batch)
    {
        int first = batch * BatchSize, n = Math.Min(BatchSize, set.Count - first);
        return set.Batch([.. Enumerable.Range(first, n)]);
    }

    private static double RowLoss(ReadOnlySpan<float> logits, int target)
    {
        float max = System.Numerics.Tensors.TensorPrimitives.Max(logits);
        double z = 0;
        foreach (var v in logits) z += Math.Exp(v - max);
        return Math.Log(z) + max - logits[target];
    }

    private static string Name(int i) => i.ToString(CultureInfo.InvariantCulture);
}
