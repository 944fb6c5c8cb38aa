namespace Interrogate.Analysis.Ablation;

/// <summary>What an ablated neuron's activation is replaced by.</summary>
public enum AblationMethod
{
    /// <summary>0 everywhere: simple, but pushes the layer off its usual operating point.</summary>
    Zero,
    /// <summary>The neuron's mean over the recorded (ranking-side) tokens: removes the information, keeps the average.</summary>
    Mean,
    /// <summary>The neuron's clean activation at the same position of another, randomly paired window: keeps the distribution.</summary>
    Resample,
}
