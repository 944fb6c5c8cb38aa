using Interrogate.Analysis.Importance;
using Interrogate.Data;
using Interrogate.Models.Mlp;
using Interrogate.Subjects;

namespace Interrogate.Tests.Subjects;

public sealed class ClassifierSubjectTests
{
    /// <summary>40 one-pixel "images" whose pixel is their index, so a batch names the digits it drew.</summary>
    private static ClassifierSubject Network(bool epochShuffle)
    {
        var train = new LabelledImages([.. Enumerable.Range(0, 40).Select(i => (float)i)], new int[40], 1, 1, 3);
        var model = new MlpClassifier(new MlpConfig { InputSize = 1, HiddenSizes = [2], NumClasses = 3 }, seed: 1);
        return new ClassifierSubject(model, train, train, train, trainBatchSize: 8, seed: 5, epochShuffle: epochShuffle);
    }

    private static float[] Drawn(ClassifierSubject net, long step) => ((LabelledBatch)net.TrainingBatch(step)).X.ToArray();

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
