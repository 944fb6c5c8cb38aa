using Interrogate.Analysis.Importance;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Subjects;

namespace Interrogate.Tests.Analysis.Importance;

public sealed class HeadImportanceTests
{
    /// <summary>The tiny GPT-2 (2 layers, 4 heads of 4 dims) with head 1 of layer 0 silenced: its W_O columns are zero.</summary>
    private static LanguageModelSubject Silenced()
    {
        var net = ImportanceFixtures.Gpt2();
        var w = net.Model.Blocks[0].Attn.Out.Weight;   // [D, H·Dh]
        for (int r = 0; r < w.Shape[0]; r++) w.Span.Slice(r * w.Shape[1] + 4, 4).Clear();
        return net;
    }

    [Fact]
    public void Magnitude_Gpt2_EqualsProductOfQkvRowNormAndOutColumnNorm()
    {
        var net = ImportanceFixtures.Gpt2();
        var attn = net.Model.Blocks[1].Attn;
        int d = attn.Qkv.Weight.Shape[1], dh = attn.HeadDim, h = attn.Heads, head = 2;
        double incoming = 0, outgoing = 0;
        foreach (int block in new[] { 0, 1, 2 })
            for (int r = 0; r < dh; r++)
                for (int c = 0; c < d; c++) { double v = attn.Qkv.Weight.Span[((block * h + head) * dh + r) * d + c]; incoming += v * v; }
        for (int r = 0; r < attn.Out.Weight.Shape[0]; r++)
            for (int c = 0; c < dh; c++) { double v = attn.Out.Weight.Span[r * h * dh + head * dh + c]; outgoing += v * v; }
        Assert.Equal((float)(Math.Sqrt(incoming) * Math.Sqrt(outgoing)), HeadImportance.Magnitude(net.Model)[1][head], 4);
    }

    [Fact]
    public void Magnitude_LlamaGroupedQuery_OneScorePerQueryHeadAllPositive()
    {
        var net = ImportanceFixtures.Llama();
        var scores = HeadImportance.Magnitude(net.Model);
        Assert.Equal(2, scores.Length);
        Assert.All(scores, s => { Assert.Equal(4, s.Length); Assert.All(s, v => Assert.True(v > 0)); });
    }

    [Fact]
    public void EverySignal_HeadWithZeroOutput_ScoresExactlyZeroWhileOthersDoNot()
    {
        var net = Silenced();
        var meanZ = HeadImportance.MeanZ(net);
        var signals = new[] { HeadImportance.Magnitude(net.Model), HeadImportance.MeanAblation(net, meanZ), HeadImportance.Taylor(net) };
        foreach (var s in signals)
        {
            Assert.Equal(0f, s[0][1]);
            Assert.All(new[] { s[0][0], s[0][2], s[0][3], s[1][0], s[1][1] }, v => Assert.NotEqual(0f, v));
        }
    }

    [Fact]
    public void MeanZ_Gpt2_EqualsMeanOfCachedZOverAllCalibrationPositions()
    {
        var net = ImportanceFixtures.Gpt2(windows: 2, length: 10);   // one batch of 2 windows
        float[] z;
        using (GradientTape.NoGrad())
        using (var hooks = new HookScope().Cache(HeadImportance.ZHook(1)))
        {
            net.CalibrationLoss(0);
            z = hooks.Cached[HeadImportance.ZHook(1)].ContiguousData().Span.ToArray();   // [2, 10, 4, 4]
        }
        double expected = 0;
        for (int p = 0; p < 20; p++) expected += z[p * 16 + 2 * 4 + 3];
        Assert.Equal((float)(expected / 20), HeadImportance.MeanZ(net)[1][2 * 4 + 3], 5);
    }

    [Fact]
    public void MeanAblation_Gpt2_MatchesLossWithHeadSetToMeanByHand()
    {
        var net = ImportanceFixtures.Gpt2(windows: 2, length: 10);
        var meanZ = HeadImportance.MeanZ(net);
        var delta = HeadImportance.MeanAblation(net, meanZ);
        float clean, ablated;
        using (GradientTape.NoGrad())
        {
            clean = net.CalibrationLoss(0).Loss.Item();
            using var edit = new HookScope().Edit(HeadImportance.ZHook(1), z =>
            {
                var data = z.ContiguousData().Span.ToArray();
                for (int p = 0; p < 20; p++) meanZ[1].AsSpan(3 * 4, 4).CopyTo(data.AsSpan(p * 16 + 3 * 4, 4));
                return new Tensor(data, 2, 10, 4, 4);
            });
            ablated = net.CalibrationLoss(0).Loss.Item();
        }
        Assert.NotEqual(0f, delta[1][3]);
        Assert.Equal(ablated - clean, delta[1][3], 4);
    }

    [Fact]
    public void TaylorTerms_Gpt2_MatchCentralFiniteDifferenceOfScalingOneHeadAtOnePosition()
    {
        var net = ImportanceFixtures.Gpt2(windows: 2, length: 10);
        var terms = HeadImportance.TaylorTerms(net, 0);   // [layer][B·T·H]
        const float eps = 1e-2f;
        foreach (var (layer, position, head) in new[] { (0, 3, 2), (1, 7, 0), (1, 12, 3) })
        {
            double Loss(float scale)
            {
                using var _ = GradientTape.NoGrad();
                using var edit = new HookScope().Edit(HeadImportance.ZHook(layer), z =>
                {
                    var data = z.ContiguousData().Span.ToArray();
                    foreach (ref var v in data.AsSpan((position * 4 + head) * 4, 4)) v *= scale;
                    return new Tensor(data, 2, 10, 4, 4);
                });
                var (loss, count) = net.CalibrationLoss(0);
                return loss.Item() * (double)count;
            }
            double finite = (Loss(1 + eps) - Loss(1 - eps)) / (2 * eps);
            double analytic = terms[layer][position * 4 + head];
            Assert.True(Math.Abs(analytic) > 1e-3, $"term {analytic} too small to compare");
            Assert.True(Math.Abs(finite - analytic) < 0.05 * Math.Abs(analytic) + 1e-3, $"layer {layer} position {position} head {head}: finite {finite} vs analytic {analytic}");
        }
    }

    [Fact]
    public void Taylor_Gpt2_IsMeanAbsoluteTermOverPositions()
    {
        var net = ImportanceFixtures.Gpt2(windows: 2, length: 10);
        var terms = HeadImportance.TaylorTerms(net, 0)[1];
        double expected = Enumerable.Range(0, 20).Sum(p => Math.Abs(terms[p * 4 + 1])) / 20;
        Assert.Equal((float)expected, HeadImportance.Taylor(net)[1][1], 5);
    }
}
