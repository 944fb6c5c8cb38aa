using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training.Experiments;
using Interrogate.Training.Tricks;

namespace Interrogate.Tests.Training.Experiments;

public class TricksTests
{
    [Fact]
    public void Shift_OneRightOneDown_MovesPixelAndZeroFills()
    {
        var image = new float[9];
        image[0] = 1f;           // (x 0, y 0)
        image[8] = 5f;           // (2, 2) falls off the edge
        ShiftAugmentation.Shift(image, new float[9], 3, 3, dx: 1, dy: 1);
        Assert.Equal([0f, 0, 0, 0, 1, 0, 0, 0, 0], image);
    }

    [Fact]
    public void Shift_Batch_KeepsMassWhenInside()
    {
        var batch = Tensor.Zeros(4, 100);
        for (int b = 0; b < 4; b++) batch.Span[b * 100 + 55] = 1f;   // centre pixel of 10×10
        ShiftAugmentation.Apply(batch, 10, 10, 2, new TensorRandom(1));
        for (int b = 0; b < 4; b++) Assert.Equal(1f, batch.Span.Slice(b * 100, 100).ToArray().Sum());
    }

    [Fact]
    public void Standardisation_PerPixel_ZeroMeanUnitStdOnTrain()
    {
        var data = FakeMnist.Images(10, 3);
        var (mean, std) = Standardisation.Fit(data, "per_pixel");
        int row = 4 * 28 + 3;   // on digit 0's bar: varies, so its std is above the floor
        double m = Enumerable.Range(0, data.Count).Average(i => (data.Image(i)[row] - mean[row]) / std[row]);
        double v = Enumerable.Range(0, data.Count).Average(i => Math.Pow((data.Image(i)[row] - mean[row]) / std[row], 2));
        Assert.Equal(0, m, 4);
        Assert.Equal(1, v, 3);
    }

    [Fact]
    public void Standardisation_Global_OneMeanForAllPixels()
    {
        var (mean, std) = Standardisation.Fit(FakeMnist.Images(5, 3), "global");
        Assert.All(mean, x => Assert.Equal(mean[0], x));
        Assert.All(std, x => Assert.Equal(std[0], x));
    }

    [Fact]
    public void Wrap_GradientFlowsThroughStandardisationToInput()
    {
        var data = FakeMnist.Images(5, 3);
        var model = Standardisation.Wrap(ModelFactory.Create(new RunConfig { HiddenSizes = [8] }, 28, 28, 10, 1), data, "per_pixel");
        var (x, y) = data.Batch([0, 1]);
        x.RequiresGrad = true;
        using (var tape = new GradientTape()) tape.Backward(model.Forward(x).CrossEntropy(y));
        Assert.Contains(x.Grad!.ToArray(), g => g != 0f);
    }

    [Fact]
    public void DataFraction_TakesSeededSubset()
    {
        var data = FakeMnist.Images(10, 3);
        var a = DataFraction.Take(data, 0.25, 1);
        Assert.Equal(25, a.Count);
        Assert.Equal(a.Labels, DataFraction.Take(data, 0.25, 1).Labels);
        Assert.NotEqual(a.Pixels, DataFraction.Take(data, 0.25, 2).Pixels);
    }

    [Fact]
    public void RunTrainer_LearningCurve_OnePointPerEpoch()
    {
        var data = FakeMnist.Images(20, 3);
        var config = new RunConfig { HiddenSizes = [16], Epochs = 2, BatchSize = 50, Shift = 1, Init = "xavier" };
        var run = RunTrainer.Run(new ExperimentSetting("s", config), 0, data, FakeMnist.Images(5, 4));
        Assert.Equal([1, 2], run.Curve.Select(p => p.Epoch));
        Assert.Equal(run.Curve[^1].TestAccuracy, run.TestAccuracy);
        Assert.Null(run.RobustAccuracy);
    }

    [Theory]
    [InlineData("conv")]
    [InlineData("rnn")]
    public void RunTrainer_ConvAndRnn_TrainThroughTheFactory(string model)
    {
        var config = new RunConfig { Model = model, HiddenSizes = [8], Channels = [4], Epochs = 1, BatchSize = 25, Standardise = "global", RobustEpsilon = 0.1f, RobustSteps = 1 };
        ModelFactory.Validate(config, "test");
        var run = RunTrainer.Run(new ExperimentSetting(model, config), 0, FakeMnist.Images(5, 3), FakeMnist.Images(2, 4));
        Assert.True(double.IsFinite(run.TestLoss));
        Assert.NotNull(run.RobustAccuracy);
    }
}
