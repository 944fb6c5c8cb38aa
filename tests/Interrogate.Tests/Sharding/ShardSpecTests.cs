using Interrogate.Sharding;

namespace Interrogate.Tests.Sharding;

public sealed class ShardSpecTests
{
    private static string? NoEnvironment(string name) => null;

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    public void Parse_IndexOverCount_Reads(string text, int index, int count) =>
        Assert.Equal(new ShardSpec(index, count), ShardSpec.Parse(text, NoEnvironment));

    [Fact]
    public void Parse_VariableOverCount_ReadsIndexFromEnvironment() =>
        Assert.Equal(new ShardSpec(2, 8), ShardSpec.Parse("JOB_COMPLETION_INDEX/8", n => n == "JOB_COMPLETION_INDEX" ? "2" : null));

    [Theory]
    [InlineData("4/4", "0 to 3")]
    [InlineData("1/0", "expected I/N")]
    [InlineData("1", "expected I/N")]
    [InlineData("-1/4", "0 to 3")]
    [InlineData("SLURM_ARRAY_TASK_ID/4", "SLURM_ARRAY_TASK_ID is not set")]
    public void Parse_Bad_ThrowsNamingFlag(string text, string mentions)
    {
        var e = Assert.Throws<InputException>(() => ShardSpec.Parse(text, NoEnvironment));
        Assert.Contains("--shard", e.Message);
        Assert.Contains(mentions, e.Message);
    }

    [Fact]
    public void Range_EveryItemInExactlyOneShard()
    {
        foreach (int items in new[] { 0, 1, 7, 8, 100 })
            foreach (int n in new[] { 1, 3, 8, 13 })
            {
                var all = Enumerable.Range(0, n).SelectMany(i => { var (s, e) = new ShardSpec(i, n).Range(items); return Enumerable.Range((int)s, (int)(e - s)); });
                Assert.Equal(Enumerable.Range(0, items), all);
            }
    }
}
