namespace Interrogate.Analysis.Redundancy;

/// <summary>Which data a subject streams: the part regressions are fitted on, or the part they are checked on.</summary>
public enum DataPart { Fit, HeldOut }

/// <summary>Receives one batch of one layer's activations. rows: [n, width], row-major.</summary>
public delegate void ActivationSink(int layerPosition, ReadOnlySpan<float> rows);

/// <summary>Loss of the model on the evaluation data; accuracy for classifiers, null for language models.</summary>
public sealed record SubjectScore(double Loss, double? Accuracy);

/// <summary>
/// A model with its data, as the redundancy planner needs it: its layers of neurons, a way to stream
/// their activations over the fit and held-out data, and a loss on evaluation data. Evaluation runs
/// inside whatever <see cref="Nn.HookScope"/> is active on the calling thread, so ablations are hook edits.
/// </summary>
public interface IRedundancySubject
{
    IReadOnlyList<RedundancyLayer> Layers { get; }

    /// <summary>Runs the model over a data part; calls the sink once per batch and layer (position in <see cref="Layers"/>).</summary>
    void Stream(DataPart part, ActivationSink sink);

    SubjectScore Evaluate();
}
