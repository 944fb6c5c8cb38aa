using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Training;

namespace Interrogate.Analysis.Importance;

/// <summary>
/// A model together with the data its neurons are judged on: calibration batches (scores and mean
/// activations are measured there), evaluation data (losses are reported there, never on the data that
/// chose what to remove) and training batches (fine-tuning). Language models and the MLP classifier
/// implement it, so every importance signal and the pruning driver are written once.
/// </summary>
public abstract class PrunableNetwork
{
    public abstract Module Module { get; }

    /// <summary>The layers whose neurons can be scored and removed, input to output.</summary>
    public abstract IReadOnlyList<NeuronLayer> Layers { get; }

    /// <summary>What one evaluated prediction is ("tokens" or "samples"); throughput is reported per unit.</summary>
    public abstract string Unit { get; }

    public abstract int CalibrationBatchCount { get; }

    /// <summary>
    /// Runs calibration batch <paramref name="batch"/> forward (inside the caller's hook scope and
    /// tape, if any). Returns the mean loss [] and the number of predictions it averages over.
    /// </summary>
    public abstract (Tensor Loss, int Count) CalibrationLoss(int batch);

    /// <summary>Sum over the calibration batch of each raw input feature squared; null when no layer reads the raw input.</summary>
    public virtual double[]? InputSquares(int batch) => null;

    /// <summary>
    /// True mean ablation, one neuron at a time: for each listed neuron j of layer <paramref name="layer"/>,
    /// the summed loss over calibration batch <paramref name="batch"/> when j's activation is replaced by
    /// <paramref name="means"/>[j] at every position and everything else is left as is.
    /// </summary>
    public abstract double[] MeanAblatedLossSums(int layer, int batch, IReadOnlyList<int> neurons, float[] means);

    /// <summary>Loss (and accuracy, for classifiers) on the evaluation data, without gradients.</summary>
    public abstract NetworkEvaluation Evaluate();

    /// <summary>
    /// Loss (and accuracy) on the calibration data, without gradients: what searches (a --loss-budget) are
    /// judged on, so the evaluation data they report on never steers them.
    /// </summary>
    public abstract NetworkEvaluation EvaluateCalibration();

    /// <summary>What the calibration data is, for reports ("calibration: 16 windows of 128 tokens of the train split").</summary>
    public abstract string CalibrationData { get; }

    /// <summary>What the evaluation data is, for reports ("evaluation: 128 windows of 128 tokens of the validation split").</summary>
    public abstract string EvaluationData { get; }

    /// <summary>Forward throughput on the evaluation data, in <see cref="Unit"/> per second.</summary>
    public abstract double Throughput();

    /// <summary>The same architecture and data with the given neuron counts per layer and untrained weights.</summary>
    public abstract PrunableNetwork Resized(int[] widths);

    /// <summary>One training batch for fine-tuning step <paramref name="step"/> (a pure function of the step).</summary>
    public abstract object TrainingBatch(long step);

    /// <summary>Logits of a training batch, [N, classes] with N predictions (language models: B·T rows).</summary>
    public abstract Tensor Logits(object batch);

    /// <summary>The task's mean loss [] of <paramref name="logits"/> (from <see cref="Logits"/>) on that batch.</summary>
    public abstract Tensor TaskLoss(Tensor logits, object batch);

    /// <summary>The optimizer fine-tuning uses (the one the model family trains with).</summary>
    public abstract Optimizer CreateOptimizer(float learningRate);

    /// <summary>Writes the model folder (config.json, model.safetensors) the loaders read.</summary>
    /// <param name="directory">The folder to write (created if absent).</param>
    /// <param name="perLayerWidths">
    /// Language models: keep each layer's own MLP width (Interrogate's smaller layout) instead of padding
    /// every layer back to one width with dead units, which any standard loader accepts.
    /// </param>
    public abstract void Save(string directory, bool perLayerWidths = false);

    /// <summary>Neuron counts per layer.</summary>
    public int[] Widths => [.. Layers.Select(l => l.Width)];

    /// <summary>A copy with the same weights and data.</summary>
    public PrunableNetwork Clone()
    {
        var copy = Resized(Widths);
        foreach (var ((_, from), (_, to)) in Module.NamedParameters().Zip(copy.Module.NamedParameters()))
            from.ContiguousData().Span.CopyTo(to.Span);
        return copy;
    }

    /// <summary>
    /// The weight matrices unstructured pruning may zero, each listed once with the layer it belongs to and
    /// whether it reads that layer's neurons (outgoing) or produces them (incoming): every layer's incoming
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
}
