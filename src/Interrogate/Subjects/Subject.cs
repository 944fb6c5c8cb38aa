using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Training;

namespace Interrogate.Subjects;

/// <summary>
/// A model with its data as analyses see it: its layers of units, its data in parts (calibration for
/// decisions, held-out for checking fits, evaluation for every reported loss, never the data that chose
/// what to remove), typed training batches for fine-tuning, and the model's files. A language model with
/// token windows and a classifier with labelled images are subjects, so importance, pruning and
/// redundancy are written once. Evaluation runs inside whatever <see cref="HookScope"/> is active on
/// the calling thread, so ablations are hook edits.
/// </summary>
public abstract class Subject
{
    public abstract Module Module { get; }

    /// <summary>The layers whose units can be scored, merged and removed, input to output.</summary>
    public abstract IReadOnlyList<UnitLayer> Layers { get; }

    /// <summary>What one evaluated prediction is ("tokens" or "samples"); throughput is reported per unit.</summary>
    public abstract string Unit { get; }

    /// <summary>Loss (and accuracy, for classifiers) on one part of the data, without gradients.</summary>
    public abstract SubjectEvaluation Evaluate(DataPart part = DataPart.Evaluation);

    /// <summary>Runs the model over a data part; calls the sink once per batch and layer (position in <see cref="Layers"/>), real rows only.</summary>
    public abstract void Stream(DataPart part, ActivationSink sink);

    /// <summary>What a part of the data is, for reports ("calibration: 16 windows of 128 tokens of the train split").</summary>
    public abstract string Describe(DataPart part);

    public abstract int CalibrationBatchCount { get; }

    /// <summary>
    /// Runs calibration batch <paramref name="batch"/> forward (inside the caller's hook scope and
    /// tape, if any). Returns the mean loss [] and the number of predictions it averages over.
    /// </summary>
    public abstract (Tensor Loss, int Count) CalibrationLoss(int batch);

    /// <summary>Sum over the calibration batch of each raw input feature squared; null when no layer reads the raw input.</summary>
    public virtual double[]? InputSquares(int batch) => null;

    /// <summary>
    /// True mean ablation, one unit at a time: for each listed unit j of layer <paramref name="layer"/>,
    /// the summed loss over calibration batch <paramref name="batch"/> when j's activation is replaced by
    /// <paramref name="means"/>[j] at every position and everything else is left as is.
    /// </summary>
    public abstract double[] MeanAblatedLossSums(int layer, int batch, IReadOnlyList<int> units, float[] means);

    /// <summary>
    /// <see cref="MeanAblatedLossSums(int, int, IReadOnlyList{int}, float[])"/> for every layer at once (an empty list
    /// skips a layer), so a network can share one clean pass among the layers; the values equal the per-layer calls'.
    /// </summary>
    /// <param name="batch">The calibration batch.</param>
    /// <param name="units">Per layer, the units to ablate.</param>
    /// <param name="means">Per layer, [width] replacement values.</param>
    /// <param name="progress">Fraction of the listed layers done.</param>
    public virtual double[][] MeanAblatedLossSums(int batch, IReadOnlyList<IReadOnlyList<int>> units, IReadOnlyList<float[]> means, Action<double>? progress = null)
    {
        var result = new double[units.Count][];
        int listed = units.Count(u => u.Count > 0), done = 0;
        for (int l = 0; l < units.Count; l++)
        {
            if (units[l].Count == 0) { result[l] = []; continue; }
            result[l] = MeanAblatedLossSums(l, batch, units[l], means[l]);
            progress?.Invoke(++done / (double)listed);
        }
        return result;
    }

    /// <summary>Forward throughput on the evaluation data, in <see cref="Unit"/> per second.</summary>
    public abstract double Throughput();

    /// <summary>The same architecture and data with the given unit counts per layer and untrained weights.</summary>
    public abstract Subject Resized(int[] widths);

    /// <summary>
    /// The same model with its calibration data split for regressions: the first 3/4 to fit
    /// (<see cref="DataPart.Calibration"/>), the rest held out and evaluated on; the evaluation data is not used.
    /// </summary>
    public abstract Subject CalibrationSplit();

    /// <summary>One training batch for fine-tuning step <paramref name="step"/> (a pure function of the step).</summary>
    public abstract SubjectBatch TrainingBatch(long step);

    /// <summary>Logits of a training batch, [N, classes] with N predictions (language models: [B, T, V]).</summary>
    public abstract Tensor Logits(SubjectBatch batch);

    /// <summary>The task's mean loss [] of <paramref name="logits"/> (from <see cref="Logits"/>) on that batch.</summary>
    public abstract Tensor TaskLoss(Tensor logits, SubjectBatch batch);

    /// <summary>The optimizer fine-tuning uses (the one the model family trains with).</summary>
    public abstract Optimizer CreateOptimizer(float learningRate);

    /// <summary>Writes the model folder (config.json, model.safetensors) the loaders read.</summary>
    /// <param name="directory">The folder to write (created if absent).</param>
    /// <param name="perLayerWidths">
    /// Language models: keep each layer's own MLP width (Interrogate's smaller layout) instead of padding
    /// every layer back to one width with dead units, which any standard loader accepts.
    /// </param>
    public abstract void Save(string directory, bool perLayerWidths = false);

    /// <summary>
    /// Replaces the listed units' activations by <paramref name="means"/>[j] at every position for the
    /// forward passes (and so evaluations) run until the result is disposed. Units that are model
    /// activations are edited at their hook point; other kinds of unit override this.
    /// </summary>
    /// <param name="layer">The layer the units belong to.</param>
    /// <param name="units">Unit indices within the layer.</param>
    /// <param name="means">[width], the layer's mean activations.</param>
    public virtual IDisposable MeanAblate(UnitLayer layer, int[] units, double[] means) =>
        new HookScope().Edit(layer.ActivationHook, activation =>
        {
            var copy = activation.Clone();   // [.., width]
            var s = copy.Span;
            int width = activation.Shape[^1];
            for (int row = 0; row < s.Length / width; row++)
                foreach (int j in units) s[row * width + j] = (float)means[j];
            return copy;
        });

    /// <summary>Unit counts per layer.</summary>
    public int[] Widths => [.. Layers.Select(l => l.Width)];

    /// <summary>A copy with the same weights and data.</summary>
    public Subject Clone()
    {
        var copy = Resized(Widths);
        foreach (var ((_, from), (_, to)) in Module.NamedParameters().Zip(copy.Module.NamedParameters()))
            from.ContiguousData().Span.CopyTo(to.Span);
        return copy;
    }

    /// <summary>
    /// The weight matrices unstructured pruning may zero, each listed once with the layer it belongs to and
    /// whether it reads that layer's units (outgoing) or produces them (incoming): every layer's incoming
    /// and outgoing linears. Embeddings, attention and norms are left dense.
    /// </summary>
    public IReadOnlyList<(string Name, Tensor Weight, int Layer, bool Outgoing)> PrunableWeights()
    {
        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, tensor) in Module.NamedParameters()) names[tensor] = name;
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var result = new List<(string, Tensor, int, bool)>();
        for (int l = 0; l < Layers.Count; l++)
        {
            foreach (var linear in Layers[l].Incoming)
                if (seen.Add(linear.Weight)) result.Add((names[linear.Weight], linear.Weight, l, false));
            if (seen.Add(Layers[l].Outgoing.Weight)) result.Add((names[Layers[l].Outgoing.Weight], Layers[l].Outgoing.Weight, l, true));
        }
        return result;
    }

    /// <summary>Summed next-token-style loss of one row of logits: log Σ exp − logit[target], in double precision.</summary>
    internal static double RowLoss(ReadOnlySpan<float> logits, int target)
    {
        float max = System.Numerics.Tensors.TensorPrimitives.Max(logits);
        double z = 0;
        foreach (var v in logits) z += Math.Exp(v - max);
        return Math.Log(z) + max - logits[target];
    }
}
