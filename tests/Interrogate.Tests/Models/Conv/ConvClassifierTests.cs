using Interrogate.Models.Conv;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;

namespace Interrogate.Tests.Models.Conv;

public sealed class ConvClassifierTests : IDisposable
{
    private static readonly ConvConfig Tiny = new()
    {
        ImageHeight = 9, ImageWidth = 7, Channels = [3, 4], KernelSize = 3, HiddenSizes = [6], NumClasses = 3,
    };
    private readonly string dir = Directory.CreateTempSubdirectory("conv-folder").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Forward_DefaultMnistConfig_GivesLogitsAndHooksWithMapShapes()
    {
        var model = new ConvClassifier(new ConvConfig(), seed: 1);
        Assert.Equal(32 * 7 * 7, model.Config.FlattenedSize);
        Assert.Equal(["conv.0.conv.weight", "conv.0.conv.bias", "conv.1.conv.weight", "conv.1.conv.bias",
            "fc.0.linear.weight", "fc.0.linear.bias", "head.weight", "head.bias"], model.NamedParameters().Select(p => p.Name));
        using var hooks = new HookScope().Cache(n => n.EndsWith("hook_post", StringComparison.Ordinal));
        var logits = model.Forward(new TensorRandom(2).Uniform([3, 784], 0f, 1f));
        Assert.Equal([3, 10], logits.Shape);
        Assert.Equal([3, 16, 28, 28], hooks.Cached["conv.0.hook_post"].Shape);
        Assert.Equal([3, 32, 14, 14], hooks.Cached["conv.1.hook_post"].Shape);
        Assert.Equal([3, 128], hooks.Cached["fc.0.hook_post"].Shape);
        Assert.True(hooks.Cached["conv.0.hook_post"].ToArray().All(v => v >= 0f));   // after ReLU
    }

    [Fact]
    public void Forward_NonSquareImage_FlattensOddMaps()
    {
        var model = new ConvClassifier(Tiny, seed: 1);
        Assert.Equal(4 * 2 * 1, Tiny.FlattenedSize);   // 9×7 → 4×3 → 2×1
        Assert.Equal([2, 3], model.Forward(Tensor.Zeros(2, 63)).Shape);
    }

    [Fact]
    public void Train_SyntheticBars_LossFallsAndAccuracyHigh()
    {
        // Class = which third of the image holds a bright horizontal bar: a job for shared filters.
        var rng = new TensorRandom(5);
        int n = 90;
        var pixels = new float[n * 63];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 3;
            int row = labels[i] * 3 + rng.NextInt(3);
            for (int p = 0; p < 63; p++) pixels[i * 63 + p] = 0.2f * (float)rng.NextDouble() + (p / 7 == row ? 0.8f : 0f);
        }
        var data = new Interrogate.Data.LabelledImages(pixels, labels, 7, 9, 3);
        var model = new ConvClassifier(Tiny with { Channels = [6, 8], HiddenSizes = [16] }, seed: 3);
        double before = ClassifierTraining.Evaluate(model, data).Loss;
        ClassifierTraining.Train(model, data, new ClassifierTrainingOptions { Epochs = 20, BatchSize = 15, LearningRate = 1e-2f });
        var after = ClassifierTraining.Evaluate(model, data);
        Assert.True(after.Loss < before * 0.3, $"loss {before} → {after.Loss}");
        Assert.True(after.Accuracy > 0.95, $"accuracy {after.Accuracy}");
    }

    [Fact]
    public void Backward_ReachesEveryParameter()
    {
        var model = new ConvClassifier(Tiny, seed: 4);
        using (var tape = new GradientTape())
            tape.Backward(model.Forward(new TensorRandom(6).Normal([2, 63])).CrossEntropy([0, 2]));
        foreach (var (name, p) in model.NamedParameters())
            Assert.True(p.Grad is not null && p.Grad.ToArray().Any(v => v != 0f), $"{name} got no gradient");
    }

    [Fact]
    public void SaveLoad_RoundTripsConfigAndLogits()
    {
        var model = new ConvClassifier(Tiny with { Activation = "gelu" }, seed: 7);
        ConvStore.Save(model, dir);
        var loaded = ConvStore.Load(dir);
        Assert.Equal(model.Config.Channels, loaded.Config.Channels);
        Assert.Equal("gelu", loaded.Config.Activation);
        var x = new TensorRandom(8).Normal([2, 63]);
        Assert.Equal(model.Forward(x).ToArray(), loaded.Forward(x).ToArray());
    }

    [Theory]
    [InlineData("\"kernel_size\": 3", "\"kernel_size\": -3", "kernel_size")]
    [InlineData("\"activation\": \"relu\"", "\"activation\": \"swishy\"", "swishy")]
    [InlineData("\"model_type\": \"interrogate-conv\"", "\"model_type\": \"interrogate-mlp\"", "model_type")]
    [InlineData("\"image_height\": 9", "\"image_height\": 2", "too small")]
    [InlineData("\"model_type\"", "\"model_type", "not valid JSON")]
    public void Load_BadConfig_InputExceptionNamesConfigFile(string from, string to, string expected)
    {
        ConvStore.Save(new ConvClassifier(Tiny, seed: 1), dir);
        var config = Path.Combine(dir, "config.json");
        var text = File.ReadAllText(config);
        Assert.Contains(from, text);
        File.WriteAllText(config, text.Replace(from, to));
        var e = Assert.Throws<InputException>(() => ConvStore.Load(dir));
        Assert.Contains("config.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_WeightsOfOtherShape_InputExceptionNamesWeightsFile()
    {
        ConvStore.Save(new ConvClassifier(Tiny with { Channels = [3, 5] }, seed: 1), dir);
        var config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\n    5\n", "\n    4\n"));
        var e = Assert.Throws<InputException>(() => ConvStore.Load(dir));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("conv.1.conv.weight", e.Message);
    }
}
