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

    /// <summary>With an estimated null, each shard also runs its block of the calibration ablations; merged, the study judges the same.</summary>
    [Fact]
    public void Shards_EstimatedNull_CalibrationShardedMergedAndReused()
    {
        var model = PlantedKit.WithPlanted(2, steps: 30);
        var tokens = PlantedKit.Text(4096, rule: true, 77);
        var labels = tokens.Select(PlantedKit.IsConcept).ToArray();
        ConceptStudyOptions Estimated(string? dir, ShardSpec? shard) => Options(dir, shard) with { Null = NullMode.Estimated, NullUnits = 5, NullSets = 4 };
        ConceptStudyResult Study(string? dir) => ConceptNeuronStudy.Run(model, "m", tokens, labels, "c", "s", i => $" t{i}", Estimated(dir, null));
        var whole = Study(null);
        Assert.Equal("estimated", whole.Null!.Mode);

        var shards = Enumerable.Range(0, 2).Select(i => Path.Combine(root, $"est-{i}")).ToList();
        for (int i = 0; i < 2; i++) ConceptNeuronStudy.RunShard(model, "m", tokens, labels, "s", Estimated(shards[i], new ShardSpec(i, 2)));
        Assert.All(shards, d => Assert.True(File.Exists(Path.Combine(d, "calibration", StudyAblationFile.ManifestName)), d));
        var merged = Path.Combine(root, "est-merged");
        ShardMerge.Run([new StudyAblationShardMerger()], shards, merged);
        var calibration = StudyAblationFile.Read(Path.Combine(merged, "calibration"))!;
        Assert.Null(calibration.Shard);
        Assert.Equal(5 * 1 + 4 * 2, calibration.Jobs);   // 5 units of the one layer, 4 sets per role
        var judged = Study(merged);

        var a = whole.Candidates.Select(c => (c.Unit, c.Role, c.Verdict, c.Effect.Concept.Value, c.PValue, c.HolmPValue)).ToList();
        var b = judged.Candidates.Select(c => (c.Unit, c.Role, c.Verdict, c.Effect.Concept.Value, c.PValue, c.HolmPValue)).ToList();
        Assert.Equal(a, b);
        Assert.Equal(JsonSerializer.Serialize(whole.RandomBaseline, Json), JsonSerializer.Serialize(judged.RandomBaseline, Json));

        // A shard folder missing its calibration part is named, not merged.
        Directory.Delete(Path.Combine(shards[1], "calibration"), recursive: true);
        var e = Assert.Throws<InputException>(() => ShardMerge.Run([new StudyAblationShardMerger()], shards, Path.Combine(root, "est-merged-2")));
        Assert.Contains(shards[1], e.Message);
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
