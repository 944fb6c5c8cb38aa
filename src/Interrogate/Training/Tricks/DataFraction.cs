using Interrogate.Data;
using Interrogate.Tensors;

namespace Interrogate.Training.Tricks;

/// <summary>Training on part of the data: a seeded random subset, so each seed also varies which digits are seen.</summary>
public static class DataFraction
{
    /// <summary>round(fraction · count) examples (at least one), drawn without replacement by the seed.</summary>
    public static LabelledImages Take(LabelledImages data, double fraction, ulong seed)
    {
        if (fraction >= 1) return data;
        int n = Math.Max(1, (int)Math.Round(fraction * data.Count));
        var order = Enumerable.Range(0, data.Count).ToArray();
        new TensorRandom(seed ^ 0xDA7AF4AC7105UL).Shuffle<int>(order);
        return data.Subset(order.AsSpan(0, n));
    }
}
