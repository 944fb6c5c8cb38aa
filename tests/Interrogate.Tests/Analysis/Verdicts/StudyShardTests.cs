using System.Text.Json;
using Interrogate.Analysis.Verdicts;
using Interrogate.Sharding;
using Xunit.Abstractions;

namespace Interrogate.Tests.Analysis.Verdicts;

/// <summary>A concept study's ablations (random-unit null included) run in shards and merged equal the single-process run.</summary>
public sealed class StudyShardTests(ITestOutputHelper output) : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), $"interrogate-study-shards-{Guid.NewGuid():N}");

    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private static ConceptStudyOptions Options(string? outDir, ShardSpec? shard) => new()
    {
        Hooks = [PlantedKit.Hook], Top = 2, RankTokens = 2048, MinPredictions = 150, RandomNeurons = 40, RandomSets = 6,
        ProbeTokens = 300, ProbeKs = [1], EvidenceSamples = 10, Seed = 3, AblationDirectory = outDir, Shard = shard,
    };

    [Fact]
    public void Shards_MergedThenJudged_EqualSingleProcessBitForBit()
    {
        var model = PlantedKit.WithPlanted(2, steps: 30);
        var tokens = PlantedKit.Text(4096, rule: true, 77);
        var labels = tokens.Select(PlantedKit.IsConcept).ToArray();
        ConceptStudyResult Study(string? dir) => ConceptNeuronStudy.Run(model, "m", tokens, labels, "c", "s", i => $" t{i}", Options(dir, null));
        var whole = Study(null);

        var shards = Enumerable.Range(0, 3).Select(i => Path.Combine(root, $"shard-{i}")).ToList();
        var ran = shards.Select((d, i) => ConceptNeuronStudy.RunShard(model, "m", tokens, labels, "s", Options(d, new ShardSpec(i, 3)))).ToList();
        Assert.Equal(ran[0].Jobs, ran.Sum(r => r.JobEnd - r.JobStart));
        var merged = Path.Combine(root, "merged");
        var (merger, count) = ShardMerge.Run([new StudyAblationShardMerger()], [shards[2], shards[0], shards[1]], merged);
        Assert.Equal(3, count);
        var judged = Study(merged);

        var a = whole.Candidates.Select(c => (c.Unit, c.Role, c.Verdict, c.Effect.Concept.Value, c.Effect.Specificity.Low, c.PValue, c.HolmPValue, c.Auc)).ToList();
        var b = judged.Candidates.Select(c => (c.Unit, c.Role, c.Verdict, c.Effect.Concept.Value, c.Effect.Specificity.Low, c.PValue, c.HolmPValue, c.Auc)).ToList();
        foreach (var row in b) output.WriteLine(row.ToString());
        Assert.Equal(a, b);   // doubles compared exactly
        Assert.Equal(JsonSerializer.Serialize(whole.RandomBaseline, Json), JsonSerializer.Serialize(judged.RandomBaseline, Json));
        Assert.Equal(JsonSerializer.Serialize(whole.SetAblations, Json), JsonSerializer.Serialize(judged.SetAblations, Json));
    }

    [Fact]
    public void Study_OutFolderOfAnotherStudy_IsRefused()
    {
        var model = PlantedKit.WithPlanted(2, steps: 10);
        var tokens = PlantedKit.Text(4096, rule: true, 77);
        var labels = tokens.Select(PlantedKit.IsConcept).ToArray();
        var dir = Path.Combine(root, "one");
        ConceptNeuronStudy.RunShard(model, "m", tokens, labels, "s", Options(dir, new ShardSpec(0, 2)));
        var other = Options(dir, new ShardSpec(0, 2)) with { Seed = 4 };
        var e = Assert.Throws<InputException>(() => ConceptNeuronStudy.RunShard(model, "m", tokens, labels, "s", other));
        Assert.Contains("another study", e.Message);
        var whole = Assert.Throws<InputException>(() => ConceptNeuronStudy.Run(model, "m", tokens, labels, "c", "s", i => $" t{i}", Options(dir, null)));
        Assert.Contains("merge the shards", whole.Message);
    }
}
