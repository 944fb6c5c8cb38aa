using Interrogate.Subjects;
namespace Interrogate.Analysis.Redundancy;

/// <summary>
/// One redundancy merge: the removed neurons of a layer are (held-out) affine functions of the kept
/// ones, h_removed ≈ A·h_kept + d, so their output columns are folded into the kept ones and the bias.
/// </summary>
/// <param name="Layer">The layer's index (<see cref="UnitLayer.Index"/>).</param>
/// <param name="Removed">Neurons whose output columns are folded away (zeroed).</param>
/// <param name="Kept">Neurons they are expressed in; empty for a constant neuron (folded into the bias alone).</param>
/// <param name="Coefficients">A, [removed, kept], row-major.</param>
/// <param name="Offsets">d, [removed].</param>
/// <param name="R2">Held-out R² of the fit (over all removed neurons).</param>
/// <param name="Bound">
/// Bound on the RMS change of the layer's output per token: Σ over removed j of
/// RMS(held-out residual of j) · ‖W_out[:, j]‖₂ (Minkowski + Cauchy–Schwarz).
/// </param>
/// <param name="Cka">Linear CKA between the removed and kept groups on the fit data.</param>
/// <param name="Round">The greedy round it was chosen in (folds run round by round).</param>
public sealed record Merge(int Layer, int[] Removed, int[] Kept, double[] Coefficients, double[] Offsets,
    double R2, double Bound, double Cka, int Round)
{
    /// <summary>"constant" (no kept neurons), "pair" (one kept) or "set".</summary>
    public string Kind => Kept.Length switch { 0 => "constant", 1 => "pair", _ => "set" };

    /// <summary>Loss after folding this merge minus the loss just before it (on the evaluation data); null when not measured.</summary>
    public double? DeltaLoss { get; init; }

    /// <summary>Loss after this and every earlier merge minus the starting loss.</summary>
    public double? CumulativeDeltaLoss { get; init; }

    /// <summary>Accuracy after this and every earlier merge (classifiers only).</summary>
    public double? Accuracy { get; init; }

    /// <summary>
    /// Δloss of mean-ablating each member of the group (removed, then kept) alone in the original
    /// model, in the order of <see cref="Members"/>; null when not measured.
    /// </summary>
    public double[]? SingleAblation { get; init; }

    /// <summary>Δloss of mean-ablating the whole group at once in the original model.</summary>
    public double? JointAblation { get; init; }

    /// <summary>Removed then kept neurons, the order ablations are reported in.</summary>
    public int[] Members => [.. Removed, .. Kept];
}
