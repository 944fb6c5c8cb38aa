using Interrogate.Numerics;

namespace Interrogate.Analysis.Redundancy;

/// <summary>What the <see cref="RedundancyPlanner"/> searches for and when it stops.</summary>
public sealed record RedundancyOptions
{
    /// <summary>Held-out R² a neuron's explanation needs to be merged; in (0, 1].</summary>
    public double MinR2 { get; init; } = 0.99;

    /// <summary>Most kept neurons one removed neuron may be expressed in (1: pairs only).</summary>
    public int MaxSet { get; init; } = 4;

    /// <summary>Relative ridge of every fit (see <see cref="LinearFit.DefaultRidge"/>).</summary>
    public double Ridge { get; init; } = LinearFit.DefaultRidge;

    /// <summary>Stop once this fraction of all the layers' neurons is removed; null: no limit.</summary>
    public double? TargetFraction { get; init; }

    /// <summary>
    /// Largest allowed rise of the evaluation loss over the start (nats); a merge that would exceed it
    /// is undone and skipped. Null: no budget. Needs <see cref="MeasureEachMerge"/>.
    /// </summary>
    public double? LossBudget { get; init; }

    /// <summary>
    /// Largest allowed drop of the evaluation accuracy below the start (a fraction: 0.005 is half a
    /// point), for classifiers; a merge that would exceed it is undone and skipped. Null: no limit.
    /// </summary>
    public double? MaxAccuracyDrop { get; init; }

    /// <summary>Greedy rounds at most: each round refits on the neurons still present.</summary>
    public int MaxRounds { get; init; } = 8;

    /// <summary>Measure the loss after every fold (one evaluation each); off: only at the end.</summary>
    public bool MeasureEachMerge { get; init; } = true;

    /// <summary>Measure single and joint mean-ablations for the first this-many merges; null: all.</summary>
    public int? MaxAblationGroups { get; init; }

    /// <summary>
    /// After choosing, refold each layer with one set-to-set fit of all its removed neurons on all its
    /// kept ones (least squares is then optimal for the layer's output, not just per neuron), and keep
    /// it when it scores a lower evaluation loss than the greedy folds.
    /// </summary>
    public bool RefitOnKept { get; init; } = true;

    /// <summary>Throws <see cref="InputException"/> naming the CLI flag of a value out of range.</summary>
    public void Validate()
    {
        if (!(MinR2 > 0 && MinR2 <= 1)) throw new InputException($"--min-r2: must be in (0, 1], got {MinR2}");
        if (MaxSet < 1) throw new InputException($"--max-set: must be at least 1, got {MaxSet}");
        if (TargetFraction is double f && !(f > 0 && f <= 1)) throw new InputException($"--fraction: must be in (0, 1], got {f}");
        if (LossBudget is double b && !(b >= 0)) throw new InputException($"--loss-budget: must be at least 0, got {b}");
        if (MaxAccuracyDrop is double a && !(a >= 0 && a <= 1)) throw new InputException($"--max-accuracy-drop: must be between 0 and 100 points, got {a * 100}");
        if ((LossBudget is not null || MaxAccuracyDrop is not null) && !MeasureEachMerge)
            throw new InputException("--loss-budget and --max-accuracy-drop need the loss measured after each merge");
        if (MaxRounds < 1) throw new InputException($"--max-rounds: must be at least 1, got {MaxRounds}");
        if (MaxAblationGroups is < 0) throw new InputException($"--ablations: must be at least 0, got {MaxAblationGroups}");
    }
}
