using Interrogate.Analysis.Importance;
using Interrogate.Data;
using Interrogate.Models.Mlp;

namespace Interrogate.Tests.Analysis.Importance;

public sealed class ClassifierBatchTests
{
    /// <summary>40 one-pixel "images" whose pixel is their index, so a batch names the digits it drew.</summary>
    private static ClassifierNetwork Network(bool epochShuffle)
    {
        var train = new LabelledImages([.. Enumerable.Range(0, 40).Select(i => (float)i)], new int[40], 1, 1, 3);
        var model = new MlpClassifier(new MlpConfig { InputSize = 1, HiddenSizes = [2], NumClasses = 3 }, seed: 1);
        return new ClassifierNetwork(model, train, train, train, trainBatchSize: 8, seed: 5, epochShuffle: epochShuffle);
    }

    private static float[] Drawn(ClassifierNetwork net, long step) => (((Interrogate.Tensors.Tensor X, int[] Y))net.TrainingBatch(step)).X.ToArray();

    [Fact]
    public void TrainingBatch_EpochShuffle_EachEpochDrawsEveryImageOnceInANewOrder()
    {
        var net = Network(epochShuffle: true);
        var first = Enumerable.Range(0, 5).SelectMany(s => Drawn(net, s)).ToArray();    // 40 / 8 = 5 steps per epoch
        var second = Enumerable.Range(5, 5).SelectMany(s => Drawn(net, s)).ToArray();
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (float)i), first.Order());
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (float)i), second.Order());
        Assert.NotEqual(first, second);
        Assert.Equal(Drawn(net, 2), Drawn(Network(epochShuffle: true), 2));   // a pure function of the step
    }

    [Fact]
    public void TrainingBatch_WithReplacement_AnEpochOfStepsRepeatsSomeImages()
    {
        var net = Network(epochShuffle: false);
        var drawn = Enumerable.Range(0, 5).SelectMany(s => Drawn(net, s)).ToArray();
        Assert.Equal(40, drawn.Length);
        Assert.True(drawn.Distinct().Count() < 40, "40 draws with replacement from 40 images all differed");
    }
}
