using Interrogate.Models.Transformer;

namespace Interrogate.Tests.Models;

/// <summary>Padded rows give the same logits at their real tokens as each sequence run alone.</summary>
public class PaddingTests
{
    public static TheoryData<string, PaddingSide> Cases => new()
    {
        { "gpt2", PaddingSide.Left }, { "gpt2", PaddingSide.Right }, { "llama", PaddingSide.Left }, { "llama", PaddingSide.Right },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_PaddedBatch_MatchesEachSequenceAlone(string architecture, PaddingSide side)
    {
        CausalLanguageModel model = architecture == "gpt2" ? ModelKit.Gpt2() : ModelKit.Llama();
        int v = model.Dimensions.VocabSize;
        int[][] sequences = [ModelKit.RandomIds(7, v, 1), ModelKit.RandomIds(3, v, 2), ModelKit.RandomIds(5, v, 3)];
        var batch = TokenBatch.Pad(sequences, side, padId: 0);
        var logits = model.Forward(batch).ToArray();   // [3, 7, V]

        for (int i = 0; i < sequences.Length; i++)
        {
            var alone = model.Forward(sequences[i]).ToArray();   // [1, n, V]
            int start = side == PaddingSide.Left ? batch.Length - sequences[i].Length : 0;
            var padded = logits.AsSpan((i * batch.Length + start) * v, sequences[i].Length * v);
            Assert.True(ModelKit.MaxAbsDiff(padded, alone) < 1e-5f, $"row {i}: padded logits differ by {ModelKit.MaxAbsDiff(padded, alone)}");
        }
    }

    [Fact]
    public void Forward_LeftPaddedWithCache_ContinuesAtRealPositions()
    {
        var model = ModelKit.Llama();
        int[][] prompts = [ModelKit.RandomIds(6, 41, 4), ModelKit.RandomIds(2, 41, 5)];
        var cache = new KeyValueCache(model.Dimensions.Layers);
        model.Forward(TokenBatch.Pad(prompts, PaddingSide.Left), cache);
        var step = model.Forward(new TokenBatch([7, 9], 2, 1), cache).ToArray();   // [2, 1, V]

        for (int i = 0; i < 2; i++)
        {
            var alone = model.Forward([.. prompts[i], i == 0 ? 7 : 9]).ToArray();
            var last = alone.AsSpan(prompts[i].Length * 41, 41);
            Assert.True(ModelKit.MaxAbsDiff(step.AsSpan(i * 41, 41), last) < 1e-5f);
        }
        Assert.Equal([7, 3], cache.RealCount);
    }
}
