using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Subjects;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Analysis.Importance;
using Interrogate.Tests.Models;
using Interrogate.Tests.Server;
using Xunit.Abstractions;

namespace Interrogate.Tests.Subjects;

/// <summary>
/// The mean-ablation engine importance and screened pruning use: one clean pass caches every layer's residual,
/// each unit resumes from the stream after its layer. Checked against the plain per-layer call (equal bits) and
/// against a full forward with the unit's activation overwritten by a hook (equal up to float rounding).
/// </summary>
public sealed class LanguageModelAblationTests(ITestOutputHelper output)
{
    [Fact]
    public void MeanAblatedLossSums_AllLayersFromOneCleanPass_EqualBitsToOneLayerAtATime()
    {
        foreach (var net in new[] { ImportanceFixtures.Gpt2(), ImportanceFixtures.Llama() })
        {
            var stats = Interrogate.Analysis.Importance.CalibrationStatistics.Measure(net);
            int[][] units = [[0, 5, 17], [3, 19]];
            for (int b = 0; b < net.CalibrationBatchCount; b++)
            {
                var together = net.MeanAblatedLossSums(b, units, [.. stats.Select(s => s.Mean)]);
                for (int l = 0; l < units.Length; l++)
                    Assert.Equal(net.MeanAblatedLossSums(l, b, units[l], stats[l].Mean), together[l]);
            }
        }
    }

    [Fact]
    public void MeanAblatedLossSums_ShippedModel_EqualsHookEditedFullForward()
    {
        var model = TransformerLoader.FromDirectory(ViewerFixture.ShippedModel());
        int vocab = model.Dimensions.VocabSize, context = model.Dimensions.ContextLength;
        var windows = Enumerable.Range(0, 2).Select(i => ModelKit.RandomIds(context, vocab, 70 + (ulong)i)).ToList();
        var net = new LanguageModelSubject(model, windows, windows, batchSize: 2);
        var means = net.Layers.Select((layer, l) => Enumerable.Range(0, layer.Width).Select(j => 0.01f * (j % 7) - 0.02f).ToArray()).ToArray();
        int[][] units = [[3, 100], [7], [], [0, 511]];
        var engine = net.MeanAblatedLossSums(0, units, means);
        var tokens = WindowedTokens.Batch(net.CalibrationWindows, 0, 2);
        double clean = Direct(model, tokens, null, 0, 0);
        double worst = 0;
        for (int l = 0; l < units.Length; l++)
            for (int i = 0; i < units[l].Length; i++)
            {
                double direct = Direct(model, tokens, net.Layers[l].ActivationHook, units[l][i], means[l][units[l][i]]);
                Assert.True(Math.Abs(direct - clean) > 1e-4, $"layer {l} unit {units[l][i]}: the ablation changes nothing, so the test proves nothing");
                worst = Math.Max(worst, Math.Abs(engine[l][i] - direct) / Math.Abs(direct));
                Assert.Equal(direct - clean, engine[l][i] - clean, 2);
            }
        output.WriteLine($"largest relative difference of the summed loss: {worst:E2}");
        Assert.True(worst < 1e-5, $"relative difference {worst:E2}");
    }

    [Fact]
    public void RowLossSums_OnEveryThread_EqualBitsToASerialSum()
    {
        var model = ModelKit.Gpt2(seed: 4);
        var tokens = new TokenBatch([.. ModelKit.RandomIds(3 * 9, model.Dimensions.VocabSize, 8)], 3, 9);
        float[] logits;
        using (GradientTape.NoGrad()) logits = model.Forward(tokens).ContiguousData().Span.ToArray();
        var sums = WindowedTokens.RowLossSums(model, logits, tokens);
        int v = model.Dimensions.VocabSize;
        for (int r = 0; r < 3; r++)
        {
            double serial = 0;
            for (int p = 0; p < 8; p++)
            {
                var row = logits.AsSpan((r * 9 + p) * v, v);
                float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
                double z = 0;
                foreach (var x in row) z += Math.Exp(x - max);
                serial += Math.Log(z) + max - row[tokens.Ids[r * 9 + p + 1]];
            }
            Assert.Equal(serial, sums[r]);
        }
    }

    /// <summary>Summed next-token loss of a full forward with one unit of <paramref name="hook"/> overwritten (none when hook is null).</summary>
    private static double Direct(CausalLanguageModel model, TokenBatch tokens, string? hook, int unit, float value)
    {
        using var _ = GradientTape.NoGrad();
        using var scope = new HookScope();
        if (hook is not null)
            scope.Edit(hook, a =>
            {
                var c = a.Clone();
                var s = c.Span;
                int width = c.Shape[^1];
                for (int p = 0; p < s.Length / width; p++) s[p * width + unit] = value;
                return c;
            });
        return WindowedTokens.RowLossSums(model, model.Forward(tokens).ContiguousData().Span, tokens).Sum();
    }
}
