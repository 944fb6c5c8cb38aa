using Interrogate.Analysis.Importance;
using Interrogate.Analysis.Pruning;
using Interrogate.Tests.Analysis.Importance;

namespace Interrogate.Tests.Analysis.Pruning;

public sealed class WeightAllocationTests
{
    [Fact]
    public void LampScores_FourWeights_ShareOfTheLargerWeightsEnergy()
    {
        // Ascending 0, 1, 2, 3 → squares 0, 1, 4, 9: 3 → 9/9, 2 → 4/13, 1 → 1/14, 0 → 0.
        var scores = WeightMask.LampScores([3f, 1f, 2f, 0f]);
        Assert.Equal([1f, 1f / 14, 4f / 13, 0f], scores);
    }

    [Fact]
    public void Uniform_Half_ZeroesHalfOfEveryMatrix()
    {
        var net = ImportanceFixtures.Classifier();
        var mask = WeightMask.Choose(net, PruningMethod.Magnitude, 0.5, allocation: WeightAllocation.Uniform);
        Assert.Equal([15, 10, 6], mask.Keep.Values.Select(k => k.Count(v => !v)));   // of 30, 20, 12
        foreach (var (name, weight, _, _) in net.PrunableWeights())
        {
            var m = WeightImportance.Magnitude(weight);
            var keep = mask.Keep[name];
            float largestDropped = Enumerable.Range(0, m.Length).Where(i => !keep[i]).Max(i => m[i]);
            Assert.All(Enumerable.Range(0, m.Length).Where(i => keep[i]), i => Assert.True(m[i] >= largestDropped));
        }
    }

    [Fact]
    public void Lamp_Half_DropsTheLowestLampScoresAndKeepsEachMatrixsLargest()
    {
        var net = ImportanceFixtures.Classifier();
        var mask = WeightMask.Choose(net, PruningMethod.Magnitude, 0.5, allocation: WeightAllocation.Lamp);
        Assert.Equal(31, mask.Zeroed);
        var scored = net.PrunableWeights().SelectMany(w => WeightMask.LampScores(WeightImportance.Magnitude(w.Weight))
            .Select((s, i) => (Score: s, Kept: mask.Keep[w.Name][i]))).ToList();
        Assert.True(scored.Where(x => !x.Kept).Max(x => x.Score) <= scored.Where(x => x.Kept).Min(x => x.Score));
        foreach (var (name, weight, _, _) in net.PrunableWeights())
        {
            var m = WeightImportance.Magnitude(weight);
            Assert.True(mask.Keep[name][Array.IndexOf(m, m.Max())], $"{name} lost its largest weight");
        }
    }

    [Fact]
    public void Parse_UnknownAllocation_NamesTheFlagAndTheKnownOnes()
    {
        var message = Assert.Throws<InputException>(() => PruningChoices.Parse<WeightAllocation>("sideways", "--allocation", "allocation")).Message;
        Assert.Equal("--allocation: unknown allocation 'sideways' (known: global, uniform, lamp)", message);
    }

    [Theory]
    [InlineData(PruningMethod.Wanda, WeightAllocation.Lamp, true, "--unstructured --method magnitude")]
    [InlineData(PruningMethod.Magnitude, WeightAllocation.Lamp, false, "--unstructured --method magnitude")]
    public void Validate_BadAllocation_NamesTheFlag(PruningMethod method, WeightAllocation allocation, bool unstructured, string says)
    {
        var request = new PruningRequest { Method = method, Target = 0.5, Unstructured = unstructured, Allocation = allocation };
        var message = Assert.Throws<InputException>(request.Validate).Message;
        Assert.StartsWith("--allocation", message);
        Assert.Contains(says, message);
    }
}
