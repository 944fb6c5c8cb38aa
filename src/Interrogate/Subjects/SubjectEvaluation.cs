namespace Interrogate.Subjects;

/// <summary>Mean loss (and accuracy, for classifiers; null for language models) of a subject on one part of its data.</summary>
public sealed record SubjectEvaluation(double Loss, double? Accuracy, long Count)
{
    /// <summary>
    /// The loss of each evaluated item (a language model's windows, each the mean over its predictions;
    /// a classifier's samples), in a fixed order, so two evaluations on the same data can be compared
    /// pair by pair (<see cref="Analysis.Pruning.PairedDifference"/>). Null when not recorded. Not written to JSON.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double>? ItemLosses { get; init; }

    /// <summary>1 or 0 per evaluated sample (classifiers), in the order of <see cref="ItemLosses"/>; null for language models.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double>? ItemCorrect { get; init; }
}
