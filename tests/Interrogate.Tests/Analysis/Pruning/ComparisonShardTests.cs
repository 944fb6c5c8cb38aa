using Interrogate.Analysis.Pruning;
using Interrogate.Sharding;
using Interrogate.Tests.Analysis.Importance;

namespace Interrogate.Tests.Analysis.Pruning;

public sealed class ComparisonShardTests
{
    [Fact]
    public void Merge_ThreeShardsInShuffledOrder_EqualsOneProcessBitForBit()
    {
        var net = ImportanceFixtures.Classifier();
        var methods = PruningComparison.Methods(Enum.GetValues<PruningMethod>(), 0.99, PruningScreen.Atp);
        double[] fractions = [0.2, 0.4, 0.6];
        var whole = PruningComparison.Run(net, methods, fractions);
        var root = Directory.CreateTempSubdirectory("compare-shards").FullName;
        try
        {
            var dirs = Enumerable.Range(0, 3).Select(i => Path.Combine(root, $"part{i}")).ToArray();
            for (int i = 0; i < 3; i++)
                Assert.Null(ComparisonShards.Run(() => new NeuronComparisonSubject(net), methods, fractions, "fp", new ShardSpec(i, 3), dirs[i]));
            var merged = Path.Combine(root, "merged");
            ShardMerge.Run([new ComparisonShardMerger()], [dirs[2], dirs[0], dirs[1]], merged);
            var result = ComparisonShards.Run(() => throw new InvalidOperationException("nothing should be measured"), methods, fractions, "fp", null, merged)!;

            Assert.Equal(whole.Rows, result.Rows);
            Assert.Equal((whole.Baseline.Loss, whole.Baseline.Accuracy, whole.Baseline.Count), (result.Baseline.Loss, result.Baseline.Accuracy, result.Baseline.Count));
            Assert.Equal(whole.Baseline.ItemLosses, result.Baseline.ItemLosses);
            Assert.Equal(whole.Screening, result.Screening);
            for (int c = 0; c < whole.Curves.Count; c++)
                for (int p = 0; p < fractions.Length; p++)
                {
                    Assert.Equal(whole.Curves[c].Points[p].Evaluation.ItemLosses, result.Curves[c].Points[p].Evaluation.ItemLosses);
                    Assert.Equal(whole.Curves[c].Points[p].Evaluation.ItemCorrect, result.Curves[c].Points[p].Evaluation.ItemCorrect);
                }
            Assert.Equal(ChoiceAndRefit.Measure(whole, "magnitude", "taylor", 1), ChoiceAndRefit.Measure(result, "magnitude", "taylor", 1));
            Assert.Equal(ChoiceAndRefit.Measure(whole, "magnitude", "redundancy (ranked by R²)", 2), ChoiceAndRefit.Measure(result, "magnitude", "redundancy (ranked by R²)", 2));

            // Another sweep's folder, and a missing shard, are refused with one line.
            Assert.Throws<InputException>(() => ComparisonShards.Run(() => new NeuronComparisonSubject(net), methods, fractions, "other", null, merged));
            Assert.Contains("shard(s) 1", Assert.Throws<InputException>(() => ShardMerge.Run([new ComparisonShardMerger()], [dirs[0], dirs[2]], Path.Combine(root, "m2"))).Message);
            Assert.Contains("holds shard 0/3", Assert.Throws<InputException>(() => ComparisonShards.Run(() => new NeuronComparisonSubject(net), methods, fractions, "fp", null, dirs[0])).Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Run_ShardWithoutFolder_NamesOut() =>
        Assert.Contains("--out", Assert.Throws<InputException>(() =>
            ComparisonShards.Run(() => throw new InvalidOperationException(), [], [0.5], "fp", new ShardSpec(0, 2), null)).Message);
}
