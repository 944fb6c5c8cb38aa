using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>One compared method as its curves name it.</summary>
public sealed record ComparisonCurve(PruningMethod Method, string Label, double? MinR2);

/// <summary>One cell of a comparison: method <see cref="Method"/> (an index into the curves) at fraction <see cref="Fraction"/> (an index), removed both ways.</summary>
public sealed record ComparisonCell(int Method, int Fraction, PruningPoint Plain, PruningPoint Refitted);

/// <summary>How long a method's analysis took in the run that measured its cells, and what screening did (screened ablation only).</summary>
public sealed record MethodAnalysis(int Method, double Seconds, IReadOnlyList<ScreeningLayer>? Screening);

/// <summary>
/// The cells of a comparison one process measured: all of them, or a shard's contiguous block (method-major:
/// cell m·F + f is method m at fraction f). The baseline, descriptions and refit rows are measured by every
/// shard; merging checks they agree bit for bit.
/// </summary>
public sealed record ComparisonPart(SubjectEvaluation Baseline, string Unit, string ChosenOn, string ReportedOn, long RefitRows,
    IReadOnlyList<ComparisonCurve> Curves, IReadOnlyList<double> Fractions, IReadOnlyList<ComparisonCell> Cells, IReadOnlyList<MethodAnalysis> Analyses);

/// <summary>What a comparison removes units from and measures: a network's neurons, or a dictionary's features.</summary>
public interface IComparisonSubject
{
    /// <summary>What the methods analyse and choose on (its calibration data).</summary>
    Subject Analysed { get; }

    /// <summary>Rows of calibration activations the least-squares refit is fitted on.</summary>
    long RefitRows { get; }

    string ChosenOn { get; }
    string ReportedOn { get; }

    /// <summary>The unpruned evaluation.</summary>
    SubjectEvaluation Baseline();

    /// <summary>The evaluation with the <paramref name="removed"/> units of each layer removed and compensated for.</summary>
    SubjectEvaluation Removed(int[][] removed, Compensation compensation);
}

/// <summary>A network's neurons: removed from a smaller copy (<see cref="Refit"/>), the network itself never modified.</summary>
public sealed class NeuronComparisonSubject : IComparisonSubject
{
    private readonly Refit refit;

    public NeuronComparisonSubject(Subject network, Action<string, double>? progress = null)
    {
        Analysed = network;
        var means = Importance.CalibrationStatistics.Measure(network).Select(s => s.Mean).ToList();
        progress?.Invoke("refit statistics", 0);
        refit = new Refit(network, means);
    }

    public Subject Analysed { get; }
    public long RefitRows => refit.FitRows;
    public string ChosenOn => Analysed.Describe(DataPart.Calibration);
    public string ReportedOn => Analysed.Describe(DataPart.Evaluation);
    public SubjectEvaluation Baseline() => Analysed.Evaluate();
    public SubjectEvaluation Removed(int[][] removed, Compensation compensation) => refit.Remove(removed, compensation).Evaluate();
}
