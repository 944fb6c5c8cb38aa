using System.Text.Json.Nodes;
using Interrogate.Models;
using Interrogate.Models.Conv;
using Interrogate.Models.Recurrent;

namespace Interrogate.Tests.Models;

/// <summary>Conv and recurrent folders: a config whose sizes far exceed the weights file is refused naming config.json before anything is allocated.</summary>
public sealed class ClassifierSizeChecksTests : IDisposable
{
    private readonly TempDir temp = new();

    public void Dispose() => temp.Dispose();

    private static InputException Refused(string folder, string key, JsonNode value, Action<string> load)
    {
        var path = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config[key] = value;
        File.WriteAllText(path, config.ToJsonString());
        return Assert.Throws<InputException>(() => load(folder));
    }

    [Fact]
    public void ConvParameters_SmallConfig_EqualsModelsCount()
    {
        var config = new ConvConfig { Channels = [2, 3], HiddenSizes = [5], KernelSize = 3 };
        Assert.Equal(new ConvClassifier(config, 1).ParameterCount(), ConvStore.Parameters(config));
    }

    [Fact]
    public void ConvLoad_BillionChannels_RefusedNamingConfig()
    {
        var dir = temp.File("conv");
        ConvStore.Save(new ConvClassifier(new ConvConfig { Channels = [2], HiddenSizes = [4] }, 3), dir);
        var e = Refused(dir, "channels", new JsonArray(1_000_000_000), d => ClassifierStore.Load(d));
        Assert.StartsWith(Path.Combine(dir, "config.json") + ": describes", e.Message);
    }

    [Fact]
    public void RecurrentClassifierLoad_BillionHidden_RefusedNamingConfig()
    {
        var dir = temp.File("rnn");
        RecurrentStore.Save(new RecurrentClassifier(new RecurrentClassifierConfig { HiddenSize = 4 }, 3), dir);
        var e = Refused(dir, "hidden_size", JsonValue.Create(1_000_000_000), d => ClassifierStore.Load(d));
        Assert.StartsWith(Path.Combine(dir, "config.json") + ": describes", e.Message);
    }

    [Fact]
    public void RecurrentLanguageModelLoad_HugeVocabulary_RefusedNamingConfig()
    {
        var dir = temp.File("rnn-lm");
        RecurrentStore.Save(new RecurrentLanguageModel(new RecurrentLanguageModelConfig { VocabSize = 20, EmbeddingSize = 4, HiddenSize = 4 }, 3), dir);
        var e = Refused(dir, "vocab_size", JsonValue.Create(int.MaxValue), d => RecurrentStore.LoadLanguageModel(d));
        Assert.StartsWith(Path.Combine(dir, "config.json") + ": describes", e.Message);
    }

    [Fact]
    public void RecurrentLoad_SavedFolder_LoadsUnchanged()
    {
        var dir = temp.File("rnn-ok");
        var model = new RecurrentClassifier(new RecurrentClassifierConfig { HiddenSize = 4, Cell = "lstm" }, 3);
        RecurrentStore.Save(model, dir);
        Assert.Equal(model.NamedParameters().Select(p => p.Tensor.ToArray()), RecurrentStore.LoadClassifier(dir).NamedParameters().Select(p => p.Tensor.ToArray()));
    }
}
