namespace Interrogate.Subjects;

/// <summary>
/// The parts of a subject's data. Calibration is what decisions are measured on (scores, mean
/// activations, regression fits, searches); HeldOut checks the fits (held out of them, never the
/// evaluation data when a subject has both); Evaluation is what every reported loss is measured on.
/// </summary>
public enum DataPart { Calibration, HeldOut, Evaluation }

/// <summary>Receives one batch of one layer's activations. rows: [n, width], row-major.</summary>
public delegate void ActivationSink(int layerPosition, ReadOnlySpan<float> rows);
