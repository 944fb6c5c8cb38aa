using Interrogate.Data;
using Interrogate.Models.Mlp;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Redundancy;

/// <summary>
/// An MLP classifier as a redundancy subject: one layer per hidden layer (<c>layers.i.hook_post</c>,
/// read by the next hidden layer or the head), and cross-entropy and accuracy on evaluation images.
/// </summary>
public sealed class MlpSubject : IRedundancySubject
{
    private readonly MlpClassifier model;
    private readonly LabelledImages fit, heldOut, evaluation;

    public MlpSubject(MlpClassifier model, LabelledImages fit, LabelledImages heldOut, LabelledImages evaluation, int batchSize = 500)
    {
        if (fit.Count == 0 || heldOut.Count == 0 || evaluation.Count == 0) throw new InputException("redundancy: the fit, held-out and evaluation sets must each hold at least one image");
        if (fit.Features != model.Config.InputSize) throw new InputException($"redundancy: the images have {fit.Features} features, the model expects {model.Config.InputSize}");
        this.model = model;
        this.fit = fit;
        this.heldOut = heldOut;
        this.evaluation = evaluation;
        BatchSize = batchSize;
        var hidden = model.HiddenLayers;
        Layers = [.. Enumerable.Range(0, hidden.Count).Select(i =>
        {
            var reader = i + 1 < hidden.Count ? hidden[i + 1] : model.Output;
            return new RedundancyLayer(i, $"layers.{i}.hook_post", reader.Weight, reader.Bias);
        })];
    }

    public IReadOnlyList<RedundancyLayer> Layers { get; }
    public int BatchSize { get; }

    public void Stream(DataPart part, ActivationSink sink)
    {
        var data = part == DataPart.Fit ? fit : heldOut;
        var names = Layers.Select(l => l.Hook).ToArray();
        model.SetTraining(false);
        using var _ = GradientTape.NoGrad();
        foreach (var (x, _) in Batches(data))
        {
            using var hooks = new HookScope().Cache(names);
            model.Forward(x);
            for (int l = 0; l < Layers.Count; l++) sink(l, hooks.Cached[names[l]].ContiguousData().Span);   // [n, width]
        }
    }

    public SubjectScore Evaluate()
    {
        model.SetTraining(false);
        using var _ = GradientTape.NoGrad();
        double loss = 0;
        int correct = 0;
        foreach (var (x, y) in Batches(evaluation))
        {
            var logits = model.Forward(x);   // [n, classes]
            loss += (double)logits.CrossEntropy(y).Item() * y.Length;
            var l = logits.ContiguousData().Span;
            int classes = logits.Shape[1];
            for (int i = 0; i < y.Length; i++)
                if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(l.Slice(i * classes, classes)) == y[i]) correct++;
        }
        return new SubjectScore(loss / evaluation.Count, (double)correct / evaluation.Count);
    }

    private IEnumerable<(Tensor X, int[] Y)> Batches(LabelledImages data)
    {
        var indices = Enumerable.Range(0, data.Count).ToArray();
        for (int start = 0; start < data.Count; start += BatchSize)
            yield return data.Batch(indices.AsSpan(start, Math.Min(BatchSize, data.Count - start)));
    }
}
