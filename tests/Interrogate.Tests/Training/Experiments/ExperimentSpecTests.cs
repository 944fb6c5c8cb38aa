using Interrogate.Training.Experiments;

namespace Interrogate.Tests.Training.Experiments;

public class ExperimentSpecTests
{
    private const string Minimal = """
        { "name": "t", "dataset": "mnist", "seeds": [0, 1], "baseline": "relu",
          "base": { "epochs": 2, "hidden_sizes": [32] },
          "settings": { "relu": {}, "tanh": { "activation": "tanh", "dropout": 0.1 } } }
        """;

    private static InputException Bad(string json) => Assert.Throws<InputException>(() => ExperimentSpec.Parse(json, "spec.json"));

    [Fact]
    public void Parse_NamedSettings_OverrideBase()
    {
        var spec = ExperimentSpec.Parse(Minimal, "spec.json");
        Assert.Equal(["relu", "tanh"], spec.Settings.Select(s => s.Name));
        var tanh = spec.Settings[1].Config;
        Assert.Equal(("tanh", 0.1f, 2, 32), (tanh.Activation, tanh.Dropout, tanh.Epochs, tanh.HiddenSizes[0]));
        Assert.Equal("relu", spec.Settings[0].Config.Activation);
        Assert.Equal([0UL, 1UL], spec.Seeds);
    }

    [Fact]
    public void Parse_Grid_ProductInAxisOrder()
    {
        var spec = ExperimentSpec.Parse("""
            { "name": "g", "dataset": "mnist", "seeds": [0], "baseline": "activation=relu, dropout=0",
              "grid": { "activation": ["relu", "gelu"], "dropout": [0, 0.2] } }
            """, "spec.json");
        Assert.Equal(["activation=relu, dropout=0", "activation=relu, dropout=0.2", "activation=gelu, dropout=0", "activation=gelu, dropout=0.2"],
            spec.Settings.Select(s => s.Name));
        Assert.Equal(0.2f, spec.Settings[3].Config.Dropout);
    }

    [Fact]
    public void Parse_UnknownRunKey_NamesKeyAndListsValid()
    {
        var e = Bad(Minimal.Replace("\"dropout\": 0.1", "\"dropuot\": 0.1"));
        Assert.StartsWith("spec.json: ", e.Message);
        Assert.Contains("settings.tanh.dropuot", e.Message);
        Assert.Contains("dropout", e.Message);
    }

    [Fact]
    public void Parse_UnknownValue_ListsValidValues()
    {
        var e = Bad(Minimal.Replace("\"tanh\", \"dropout\"", "\"swishy\", \"dropout\""));
        Assert.Contains("settings.tanh.activation", e.Message);
        Assert.Contains("relu, gelu", e.Message);
    }

    [Fact]
    public void Parse_UnknownTopLevelKey_Throws() => Assert.Contains("'sedes'", Bad(Minimal.Replace("\"seeds\"", "\"sedes\"")).Message);

    [Fact]
    public void Parse_BaselineNotASetting_Throws() => Assert.Contains("baseline", Bad(Minimal.Replace("\"baseline\": \"relu\"", "\"baseline\": \"elu\"")).Message);

    [Fact]
    public void Parse_OutOfRangeNumber_Throws() => Assert.Contains("dropout", Bad(Minimal.Replace("0.1", "1.5")).Message);

    [Fact]
    public void Parse_ConvWithDropout_RefusesIgnoredSwitch() =>
        Assert.Contains("model 'conv' does not support dropout", Bad(Minimal.Replace("\"epochs\": 2", "\"epochs\": 2, \"model\": \"conv\"")).Message);

    [Fact]
    public void Parse_RnnWithTwoHiddenSizes_Throws() =>
        Assert.Contains("one hidden size", Bad(Minimal.Replace("\"hidden_sizes\": [32]", "\"hidden_sizes\": [32, 16], \"model\": \"rnn\"").Replace(", \"dropout\": 0.1", "").Replace("\"activation\": \"tanh\"", "\"cell\": \"lstm\"")).Message);

    [Fact]
    public void ContentHash_IgnoresFormattingButNotContent()
    {
        var a = ExperimentSpec.Parse(Minimal, "a.json").ContentHash;
        Assert.Equal(a, ExperimentSpec.Parse(Minimal.Replace("\n", "\n\n  "), "b.json").ContentHash);
        Assert.NotEqual(a, ExperimentSpec.Parse(Minimal.Replace("[0, 1]", "[0, 2]"), "a.json").ContentHash);
    }

    [Theory]
    [InlineData("../../../../../examples/activation-functions.json")]
    [InlineData("../../../../../examples/adversarial.json")]
    [InlineData("../../../../../examples/mnist-best.json")]
    public void ShippedExamples_Parse(string relative)
    {
        var spec = ExperimentSpec.Load(Path.Combine(AppContext.BaseDirectory, relative));
        Assert.True(spec.Seeds.Count >= 3);
        Assert.Contains(spec.Settings, s => s.Name == spec.Baseline);
    }

    [Fact]
    public void MnistBest_ComparesMlpAndConvWithAndWithoutShift()
    {
        var spec = ExperimentSpec.Load(Path.Combine(AppContext.BaseDirectory, "../../../../../examples/mnist-best.json"));
        var byName = spec.Settings.ToDictionary(s => s.Name, s => s.Config);
        Assert.Equal("mlp", byName[spec.Baseline].Model);
        Assert.Equal(("conv", 2), (byName["conv+shift"].Model, byName["conv+shift"].Shift));
        Assert.Equal(("conv", 0), (byName["conv"].Model, byName["conv"].Shift));
        Assert.Single(spec.Settings.Select(s => s.Config.Epochs).Distinct());   // every setting gets the same budget
    }
}
