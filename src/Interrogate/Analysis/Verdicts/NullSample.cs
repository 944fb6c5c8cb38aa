using Interrogate.Numerics;

namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// One null a candidate (or a top set) is ranked against: the random units of its layer in its role (or the role's
/// random sets). Exact: every member's effect measured on the evaluation windows. Estimated: see <see cref="EstimatedNull"/>.
/// </summary>
/// <param name="Units">Neuron indices of the random units (empty for sets).</param>
/// <param name="Values">Each member's concept effect (estimated members: their predicted value).</param>
/// <param name="Controls">Control effects of the members measured exactly.</param>
/// <param name="Estimated">The calibrated estimate, when the null is not all exact.</param>
internal sealed record NullSample(int[] Units, double[] Values, double[] Controls, EstimatedNull? Estimated)
{
    public double PValue(double value) => Estimated?.PValue(value) ?? MultipleComparisons.RankPValue(value, Values);

    public double SmallestPassing(double level) => Estimated?.SmallestPassing(level) ?? MultipleComparisons.SmallestPassing(Values, level);
}
