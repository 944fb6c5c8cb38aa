using Interrogate.Models;
using Interrogate.Models.Recurrent;
using Interrogate.Tensors;

namespace Interrogate.Tests.Models.Recurrent;

public sealed class RecurrentStoreTests : IDisposable
{
    private static readonly RecurrentClassifierConfig Classifier = new() { InputSize = 3, SequenceLength = 4, HiddenSize = 5, NumClasses = 2 };
    private static readonly RecurrentLanguageModelConfig Lm = new() { VocabSize = 11, EmbeddingSize = 4, HiddenSize = 6 };
    private readonly string dir = Directory.CreateTempSubdirectory("rnn-folder").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string ConfigPath => Path.Combine(dir, "config.json");
    private string WeightsPath => Path.Combine(dir, "model.safetensors");

    [Theory]
    [InlineData("gru")]
    [InlineData("lstm")]
    public void Classifier_SaveThenLoad_SameConfigAndLogits(string cell)
    {
        var model = new RecurrentClassifier(Classifier with { Cell = cell }, seed: 3);
        RecurrentStore.Save(model, dir);
        var loaded = RecurrentStore.LoadClassifier(dir);
        Assert.Equal(model.Config, loaded.Config);
        var x = new TensorRandom(4).Normal([2, 12]);
        Assert.Equal(model.Forward(x).ToArray(), loaded.Forward(x).ToArray());
        // The generic loader picks the recurrent classifier by model_type.
        Assert.Equal(model.Forward(x).ToArray(), ClassifierStore.Load(dir).Forward(x).ToArray());
    }

    [Theory]
    [InlineData("gru")]
    [InlineData("lstm")]
    public void LanguageModel_SaveThenLoad_SameConfigAndLogits(string cell)
    {
        var model = new RecurrentLanguageModel(Lm with { Cell = cell }, seed: 5);
        RecurrentStore.Save(model, dir);
        var loaded = RecurrentStore.LoadLanguageModel(dir);
        Assert.Equal(model.Config, loaded.Config);
        int[] ids = [1, 4, 10, 0, 3, 3];
        Assert.Equal(model.Forward(ids, 2, 3).ToArray(), loaded.Forward(ids, 2, 3).ToArray());
        Assert.Equal(model.NamedParameters().Select(p => p.Tensor.ToArray()), loaded.NamedParameters().Select(p => p.Tensor.ToArray()));
    }

    [Theory]
    [InlineData("\"cell\": \"gru\"", "\"cell\": \"rnn\"", "cell 'rnn'")]
    [InlineData("\"hidden_size\": 5", "\"hidden_size\": 0", "hidden_size")]
    [InlineData("\"model_type\": \"interrogate-rnn-classifier\"", "\"model_type\": \"interrogate-rnn-lm\"", "model_type")]
    [InlineData("\"model_type\"", "\"model_type", "not valid JSON")]
    public void Classifier_BadConfig_InputExceptionNamesConfigFile(string from, string to, string expected)
    {
        RecurrentStore.Save(new RecurrentClassifier(Classifier, seed: 1), dir);
        var text = File.ReadAllText(ConfigPath);
        Assert.Contains(from, text);
        File.WriteAllText(ConfigPath, text.Replace(from, to));
        var e = Assert.Throws<InputException>(() => RecurrentStore.LoadClassifier(dir));
        Assert.Contains("config.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void LanguageModel_ConfigOfOtherCell_InputExceptionNamesWeightsAndTensor()
    {
        RecurrentStore.Save(new RecurrentLanguageModel(Lm, seed: 1), dir);
        File.WriteAllText(ConfigPath, File.ReadAllText(ConfigPath).Replace("\"gru\"", "\"lstm\""));
        var e = Assert.Throws<InputException>(() => RecurrentStore.LoadLanguageModel(dir));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("rnn.cell.", e.Message);
    }

    [Fact]
    public void LanguageModel_TruncatedWeights_InputExceptionNamesWeightsFile()
    {
        RecurrentStore.Save(new RecurrentLanguageModel(Lm, seed: 1), dir);
        var bytes = File.ReadAllBytes(WeightsPath);
        File.WriteAllBytes(WeightsPath, bytes[..(bytes.Length - 40)]);
        // A format error is an InputException too (the CLI exits 2 on it).
        var e = Assert.ThrowsAny<InputException>(() => RecurrentStore.LoadLanguageModel(dir));
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void Load_MissingFolderOrWeights_InputExceptionNamesPath()
    {
        var missing = Path.Combine(dir, "nope");
        Assert.Contains("nope", Assert.Throws<InputException>(() => RecurrentStore.LoadClassifier(missing)).Message);
        RecurrentStore.Save(new RecurrentClassifier(Classifier, seed: 1), dir);
        File.Delete(WeightsPath);
        Assert.Contains("model.safetensors", Assert.Throws<InputException>(() => RecurrentStore.LoadClassifier(dir)).Message);
    }

    [Fact]
    public void Save_OverExistingFolder_LeavesNoTemporaryFiles()
    {
        RecurrentStore.Save(new RecurrentClassifier(Classifier, seed: 1), dir);
        RecurrentStore.Save(new RecurrentClassifier(Classifier, seed: 2), dir);
        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
    }
}
