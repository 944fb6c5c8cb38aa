using Interrogate.Analysis.Ablation;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Analysis.Ablation;

public sealed class BatchedAblationTests
{
    private const int Windows = 5, Length = 12;
    private static readonly int[][] Ids = [.. Enumerable.Range(0, Windows).Select(w => ModelKit.RandomIds(Length, ModelKit.Gpt2Tiny.VocabSize, (ulong)(70 + w)))];
    // Every window scores a few positions (not all: logits are read only there).
    private static readonly int[][] Positions = [.. Enumerable.Range(0, Windows).Select(w => new[] { 0, 3, 4, 7 + w % 3, 10 })];

    /// <summary>Δloss at the scored positions from two full forwards, the second with the hook edits of <paramref name="units"/>.</summary>
    private static float[][] Direct(CausalLanguageModel model, IReadOnlyList<UnitRef> units, Func<UnitRef, float> value)
    {
        using var _ = GradientTape.NoGrad();
        var result = new float[Windows][];
        for (int w = 0; w < Windows; w++)
        {
            var clean = TokenLosses.NextToken(model.Forward(Ids[w]), Ids[w]);
            float[] ablated;
            using (var scope = NeuronEdits.SetConstant(new HookScope(), units, value)) ablated = TokenLosses.NextToken(model.Forward(Ids[w]), Ids[w]);
            result[w] = [.. Positions[w].Select(p => ablated[p] - clean[p])];
        }
        return result;
    }

    [Theory]
    [InlineData(AblationMethod.Mean, 2)]
    [InlineData(AblationMethod.Zero, 3)]
    public void Run_ManyJobsStacked_EqualsOneFullForwardPerJob(AblationMethod method, int windowsPerChunk)
    {
        var model = ModelKit.Gpt2();
        AblationJob[] jobs =
        [
            new("mlp0", [UnitRef.Mlp(0, 5)]),                                       // rank-one shortcut from block 0's output
            new("mlp1", [UnitRef.Mlp(1, 7)]),
            new("resid", [new UnitRef(HookNames.Block(1, "hook_resid_pre"), 3)]),   // generic path: rerun from block 1 with an edit
            new("set", [UnitRef.Mlp(0, 1), UnitRef.Mlp(1, 3)]),                     // two layers: from block 0
        ];
        Func<UnitRef, float> value = method == AblationMethod.Zero ? _ => 0f : u => 0.1f * (u.Index % 5) - 0.2f;
        var result = BatchedAblation.Run(model, Ids, Positions, jobs, new BatchedAblationOptions
        {
            Method = method, Means = value, WindowsPerChunk = windowsPerChunk, TokensPerPass = 3 * windowsPerChunk * Length,   // three copies a pass
            Record = [UnitRef.Mlp(1, 7)],
        });
        for (int j = 0; j < jobs.Length; j++)
        {
            var expected = Direct(model, jobs[j].Units, value);
            for (int w = 0; w < Windows; w++)
                for (int k = 0; k < Positions[w].Length; k++) Assert.True(Math.Abs(expected[w][k] - result.Delta[j][w][k]) < 1e-4, $"{jobs[j].Name} window {w} position {Positions[w][k]}: {expected[w][k]} vs {result.Delta[j][w][k]}");
            Assert.Contains(result.Delta[j], d => d.Any(x => Math.Abs(x) > 1e-4));
        }
        using var _ = GradientTape.NoGrad();
        using var cache = new HookScope().Cache(HookNames.MlpPost(1));
        model.Forward(Ids[2]);
        var post = cache.Cached[HookNames.MlpPost(1)].ContiguousData().Span;   // [1, T, width]
        int width = post.Length / Length;
        Assert.Equal(post[4 * width + 7], result.Recorded[0][2 * Length + 4], 5);
        var cleanLoss = TokenLosses.NextToken(model.Forward(Ids[3]), Ids[3]);
        Assert.Equal(cleanLoss[Positions[3][2]], result.CleanLoss[3][2], 4);
    }

    [Fact]
    public void Run_NeuronWithNoOutputWeights_HasExactlyNoEffect()
    {
        var model = ModelKit.Gpt2();
        var mlp = (DenseMlp)model.Blocks[0].Mlp;
        int width = mlp.Out.Weight.Shape[1];
        for (int i = 0; i < mlp.Out.Weight.Shape[0]; i++) mlp.Out.Weight.Span[i * width + 2] = 0f;
        var result = BatchedAblation.Run(model, Ids, Positions, [new AblationJob("dead", [UnitRef.Mlp(0, 2)]), new AblationJob("live", [UnitRef.Mlp(0, 3)])],
            new BatchedAblationOptions { Method = AblationMethod.Zero });
        Assert.All(result.Delta[0], d => Assert.All(d, x => Assert.Equal(0f, x)));
        Assert.Contains(result.Delta[1], d => d.Any(x => x != 0f));
    }

    [Fact]
    public void Run_ResampleIdenticalWindows_HasNoEffect()
    {
        int[][] same = [.. Enumerable.Repeat(Ids[0], 4)];
        var result = BatchedAblation.Run(ModelKit.Gpt2(), same, [.. Enumerable.Repeat(Positions[0], 4)], [new AblationJob("n", [UnitRef.Mlp(0, 4), UnitRef.Mlp(1, 9)])],
            new BatchedAblationOptions { Method = AblationMethod.Resample, WindowsPerChunk = 4, Seed = 3 });
        Assert.All(result.Delta[0], d => Assert.All(d, x => Assert.Equal(0, x, 5)));
    }

    [Fact]
    public void Run_UnitOutOfRange_IsInputError()
    {
        var e = Assert.Throws<InputException>(() => BatchedAblation.Run(ModelKit.Gpt2(), Ids, Positions, [new AblationJob("n", [UnitRef.Mlp(0, 999)])],
            new BatchedAblationOptions { Method = AblationMethod.Zero }));
        Assert.Contains("999", e.Message);
    }
}
