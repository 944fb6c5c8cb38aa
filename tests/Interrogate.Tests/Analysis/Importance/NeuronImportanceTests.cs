using Interrogate.Analysis.Importance;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Subjects;

namespace Interrogate.Tests.Analysis.Importance;

public sealed class NeuronImportanceTests
{
    [Fact]
    public void Statistics_DeadNeuron_NeverActiveWithZeroVarianceAndMean()
    {
        var net = ImportanceFixtures.Classifier();
        var stats = CalibrationStatistics.Measure(net)[0];
        Assert.Equal(20, stats.Rows);
        Assert.Equal(0f, stats.FractionActive[2]);
        Assert.Equal(0f, stats.Mean[2]);
        Assert.True(stats.IsConstant(2));
        Assert.Contains(Enumerable.Range(0, 5), j => j != 2 && stats.FractionActive[j] > 0 && !stats.IsConstant(j));
    }

    [Fact]
    public void EverySignal_DeadNeuron_ScoresZeroAndIsRemovedFirstByWeightAndGradientSignals()
    {
        var net = ImportanceFixtures.Classifier();
        var stats = CalibrationStatistics.Measure(net);
        var ablation = NeuronImportance.MeanAblation(net, stats)[0];
        Assert.Equal(0f, ablation[2]);
        foreach (var scores in new[] { NeuronImportance.Magnitude(net)[0], NeuronImportance.Wanda(net, stats)[0], NeuronImportance.Taylor(net)[0] })
        {
            Assert.Equal(0f, scores[2]);
            Assert.Equal(2, NeuronImportance.Ascending(scores)[0]);
        }
    }

    [Fact]
    public void Magnitude_HandSetWeights_IsProductOfIncomingAndOutgoingNorms()
    {
        var net = ImportanceFixtures.Classifier();
        var layer = net.Layers[1];   // incoming [4, 5], outgoing head [3, 4]
        new float[] { 3f, 4f, 0f, 0f, 0f }.CopyTo(layer.Incoming[0].Weight.Span);
        var head = layer.Outgoing.Weight.Span;
        head[0 * 4] = 1f; head[1 * 4] = -2f; head[2 * 4] = 2f;   // column 0: [1, −2, 2], L2 3, L1 5
        Assert.Equal(15f, NeuronImportance.Magnitude(net)[1][0], 4);
        Assert.Equal(35f, NeuronImportance.Magnitude(net, l1: true)[1][0], 4);
    }

    [Fact]
    public void MeanAblation_Classifier_MatchesHookEditedForwardPass()
    {
        var net = ImportanceFixtures.Classifier();
        var stats = CalibrationStatistics.Measure(net);
        var batched = NeuronImportance.MeanAblation(net, stats);
        for (int l = 0; l < 2; l++)
            for (int j = 0; j < net.Layers[l].Width; j++)
                Assert.Equal(DirectAblation(net, l, j, stats[l].Mean[j]), batched[l][j], 4);
    }

    [Fact]
    public void MeanAblation_Gpt2_MatchesHookEditedForwardPass()
    {
        var net = ImportanceFixtures.Gpt2();
        var stats = CalibrationStatistics.Measure(net);
        var batched = NeuronImportance.MeanAblation(net, stats);
        foreach (var (l, j) in new[] { (0, 0), (0, 17), (1, 5), (1, 23) })
            Assert.Equal(DirectAblation(net, l, j, stats[l].Mean[j]), batched[l][j], 4);
        Assert.Contains(batched.SelectMany(s => s), v => Math.Abs(v) > 1e-3);
    }

    [Fact]
    public void MeanAblation_OnlyAShortlist_SameValuesThereAndNaNElsewhere()
    {
        var net = ImportanceFixtures.Gpt2();
        var stats = CalibrationStatistics.Measure(net);
        var all = NeuronImportance.MeanAblation(net, stats);
        int[][] only = [[0, 17, 20], [5, 23]];
        var screened = NeuronImportance.MeanAblation(net, stats, only: only);
        for (int l = 0; l < 2; l++)
            for (int j = 0; j < net.Layers[l].Width; j++)
                if (only[l].Contains(j)) Assert.Equal(all[l][j], screened[l][j], 6);
                else Assert.True(float.IsNaN(screened[l][j]));
    }

    [Fact]
    public void MeanAblation_Llama_MatchesHookEditedForwardPass()
    {
        var net = ImportanceFixtures.Llama();
        var stats = CalibrationStatistics.Measure(net);
        var batched = NeuronImportance.MeanAblation(net, stats);
        foreach (var (l, j) in new[] { (0, 3), (1, 19) })
            Assert.Equal(DirectAblation(net, l, j, stats[l].Mean[j]), batched[l][j], 4);
    }

    [Fact]
    public void Taylor_Classifier_EqualsMeanAbsoluteActivationTimesPerSampleGradient()
    {
        var net = ImportanceFixtures.Classifier(batchSize: 20);
        var taylor = NeuronImportance.Taylor(net);
        // By hand: one batch of 20, gradient of the summed loss at layers.1.hook_post.
        using var hooks = new HookScope().KeepGradient("layers.1.hook_post");
        using (var tape = new GradientTape())
        {
            var (loss, n) = net.CalibrationLoss(0);
            tape.Backward(loss.Mul((float)n));
        }
        net.Module.ZeroGrad();
        var a = hooks.Cached["layers.1.hook_post"];
        var (v, g) = (a.ToArray(), a.Grad!.ToArray());
        for (int j = 0; j < 4; j++)
        {
            double expected = Enumerable.Range(0, 20).Average(r => Math.Abs(v[r * 4 + j] * g[r * 4 + j]));
            Assert.Equal(expected, taylor[1][j], 5);
        }
    }

    [Fact]
    public void WeightScores_Wanda_ScalesEachColumnByItsInputNorm()
    {
        var w = new Tensor([1f, -2f, 3f, -4f], 2, 2);
        Assert.Equal([1f, 2f, 3f, 4f], WeightImportance.Magnitude(w));
        Assert.Equal([10f, 1f, 30f, 2f], WeightImportance.Wanda(w, [10f, 0.5f]));
    }

    /// <summary>Evaluation of the clean network and of the one with neuron j's activation set to <paramref name="mean"/>, on the calibration data.</summary>
    private static double DirectAblation(Subject net, int layer, int neuron, float mean)
    {
        double Loss(bool ablate)
        {
            using var _ = GradientTape.NoGrad();
            using var hooks = new HookScope();
            int width = net.Layers[layer].Width;
            if (ablate)
                hooks.Edit(net.Layers[layer].ActivationHook, a =>
                {
                    var c = a.Clone();
                    var s = c.Span;
                    for (int p = 0; p < s.Length / width; p++) s[p * width + neuron] = mean;
                    return c;
                });
            double sum = 0;
            long count = 0;
            for (int b = 0; b < net.CalibrationBatchCount; b++)
            {
                var (loss, n) = net.CalibrationLoss(b);
                sum += loss.Item() * (double)n;
                count += n;
            }
            return sum / count;
        }
        return Loss(true) - Loss(false);
    }
}
