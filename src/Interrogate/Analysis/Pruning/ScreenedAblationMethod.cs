using Interrogate.Numerics;
using Interrogate.Analysis.Importance;
using Interrogate.Subjects;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Pruning;

/// <summary>What screening did in one layer: how many units were measured exactly, and how well AtP ranked them.</summary>
/// <param name="Layer">The layer's name.</param>
/// <param name="Units">Units in the layer.</param>
/// <param name="Measured">Units whose exact mean-ablation Δloss was measured (the shortlist, plus units constant on the calibration data, which cost nothing).</param>
/// <param name="Spearman">Rank correlation of the AtP estimate and the exact Δloss over the measured units (NaN below two).</param>
public sealed record ScreeningLayer(string Layer, int Units, int Measured, double Spearman);

/// <summary>
/// `--method ablation --screen atp`: the exact mean-ablation Δloss of <see cref="NeuronImportance.MeanAblation"/>,
/// measured only on a shortlist that attribution patching chooses (<see cref="AtpEstimate"/>). To remove c units of
/// a layer, the ⌈<see cref="Factor"/>·c⌉ units with the lowest estimated Δloss (and any tied with the last) are measured exactly (ablation's
/// own order is ascending signed Δloss, so the shortlist is cut from the same end), and the c lowest exact Δloss of
/// the shortlist are removed. The choice equals the unscreened one whenever those c units are in the shortlist;
/// every reported loss is still measured on the evaluation data. A larger fraction extends the shortlist, measuring
/// only the units not measured yet.
/// </summary>
public sealed class ScreenedAblationMethod(double factor = ScreenedAblationMethod.DefaultFactor) : IPruningMethod
{
    public const double DefaultFactor = 2;

    /// <summary>Shortlist size as a multiple of the units to remove (≥ 1).</summary>
    public double Factor { get; } = factor >= 1 && double.IsFinite(factor) ? factor
        : throw new InputException($"--screen-factor: {factor} must be at least 1 (the shortlist's size as a multiple of the units to remove)");

    public PruningMethod Method => PruningMethod.Ablation;
    public string Label => "ablation (AtP-screened)";
    public string Description => "measured loss increase when the neuron is replaced by its mean, measured only on attribution patching's shortlist";

    public IPruningDecision Analyse(Subject network, Action<string, double>? progress = null)
    {
        var stats = CalibrationStatistics.Measure(network, f => progress?.Invoke("activation statistics", f));
        progress?.Invoke("attribution patching", 0);
        return new ScreenedAblationDecision(network.Layers, stats, AtpEstimate.MeanAblation(network, stats), Factor, units => Exact(network, stats, units, progress));
    }

    /// <summary>Exact Δloss of the listed units of each layer, computed as <see cref="NeuronImportance.MeanAblation"/> computes it.</summary>
    private static float[][] Exact(Subject network, IReadOnlyList<LayerStatistics> stats, int[][] units, Action<string, double>? progress)
    {
        var layers = network.Layers;
        var sums = units.Select(u => new double[u.Length]).ToArray();
        long count = 0;
        for (int b = 0; b < network.CalibrationBatchCount; b++)
        {
            double cleanSum;
            using (GradientTape.NoGrad())
            {
                var (loss, n) = network.CalibrationLoss(b);
                cleanSum = loss.Item() * (double)n;
                count += n;
            }
            int batch = b;
            var ablated = network.MeanAblatedLossSums(b, units, [.. stats.Select(s => s.Mean)],
                f => progress?.Invoke($"mean-ablating {units.Sum(u => u.Length)} shortlisted units", (batch + f) / network.CalibrationBatchCount));
            for (int l = 0; l < layers.Count; l++)
                for (int i = 0; i < units[l].Length; i++) sums[l][i] += ablated[l][i] - cleanSum;
        }
        return [.. sums.Select(s => s.Select(v => (float)(v / count)).ToArray())];
    }
}

/// <summary>A screened ablation's decision: AtP estimates for every unit, exact Δloss for those measured so far.</summary>
public sealed class ScreenedAblationDecision : IPruningDecision
{
    private readonly IReadOnlyList<UnitLayer> layers;
    private readonly double factor;
    private readonly Func<int[][], float[][]> measure;
    private readonly int[][] byEstimate;                 // per layer, units by ascending estimate (ties by index)
    private readonly Dictionary<int, float>[] exact;     // per layer, unit → exact Δloss

    /// <param name="layers">The layers of units.</param>
    /// <param name="stats">Their calibration statistics (units constant on the calibration data are measured for free: 0).</param>
    /// <param name="estimates">Per layer, [width] AtP estimates of the mean-ablation Δloss.</param>
    /// <param name="factor">Shortlist size as a multiple of the units removed.</param>
    /// <param name="measure">Exact mean-ablation Δloss of the listed units of each layer.</param>
    public ScreenedAblationDecision(IReadOnlyList<UnitLayer> layers, IReadOnlyList<LayerStatistics> stats, double[][] estimates, double factor, Func<int[][], float[][]> measure)
    {
        (this.layers, this.factor, this.measure) = (layers, factor, measure);
        Estimates = estimates;
        byEstimate = [.. estimates.Select(e => Enumerable.Range(0, e.Length).OrderBy(j => e[j]).ThenBy(j => j).ToArray())];
        // A unit constant on the calibration data equals its mean everywhere: exactly 0 without a pass (as unscreened).
        exact = [.. stats.Select(s => Enumerable.Range(0, s.Mean.Length).Where(s.IsConstant).ToDictionary(j => j, _ => 0f))];
    }

    /// <summary>Per layer, [width] AtP estimates of the mean-ablation Δloss.</summary>
    public double[][] Estimates { get; }

    /// <summary>Per layer, the exact Δloss of every measured unit.</summary>
    public IReadOnlyList<IReadOnlyDictionary<int, float>> Exact => exact;

    /// <summary>Units whose exact Δloss has been measured so far (constant units included).</summary>
    public int MeasuredUnits => exact.Sum(e => e.Count);

    public IReadOnlyList<ScreeningLayer> Report() =>
        [.. layers.Select((layer, l) =>
        {
            var units = exact[l].Keys.Order().ToArray();
            return new ScreeningLayer(layer.Name, layer.Width, units.Length,
                RankCorrelation.Spearman([.. units.Select(j => Estimates[l][j])], [.. units.Select(j => (double)exact[l][j])]));
        })];

    public int[][] Choose(Subject target, double fraction)
    {
        var counts = layers.Select(layer => PruningMethods.CountFor(layer.Width, fraction)).ToArray();
        Measure([.. counts.Select((c, l) => Shortlist(l, c).Where(j => !exact[l].ContainsKey(j)).ToArray())]);
        return [.. counts.Select((c, l) => exact[l].OrderBy(p => p.Value).ThenBy(p => p.Key).Take(c).Select(p => p.Key).Order().ToArray())];
    }

    public int[][] ChooseOnly(Subject analysed, double fraction) => Choose(analysed, fraction);

    /// <summary>The ⌈factor·count⌉ units of layer <paramref name="l"/> with the lowest estimates, and every unit tied with the last of them (the screen cannot tell them apart).</summary>
    private IEnumerable<int> Shortlist(int l, int count)
    {
        int size = Math.Min(byEstimate[l].Length, (int)Math.Ceiling(factor * count));
        if (size == 0) return [];
        double last = Estimates[l][byEstimate[l][size - 1]];
        return byEstimate[l].TakeWhile((j, i) => i < size || Estimates[l][j] <= last);
    }

    private void Measure(int[][] units)
    {
        if (units.All(u => u.Length == 0)) return;
        var values = measure(units);
        for (int l = 0; l < units.Length; l++)
            for (int i = 0; i < units[l].Length; i++) exact[l][units[l][i]] = values[l][i];
    }
}
