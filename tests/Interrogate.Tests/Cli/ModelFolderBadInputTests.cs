using Interrogate.Models.Mlp;

namespace Interrogate.Tests.Cli;

/// <summary>`eval mnist` on broken model folders: each problem is one line naming the file, exit 2.</summary>
public sealed class ModelFolderBadInputTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("mlp-folder").FullName;

    public ModelFolderBadInputTests() =>
        MlpStore.Save(new MlpClassifier(new MlpConfig { HiddenSizes = [8] }, 3), dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string ConfigPath => Path.Combine(dir, "config.json");
    private string WeightsPath => Path.Combine(dir, "model.safetensors");

    [Fact]
    public void Load_SavedFolder_RoundTripsWeights()
    {
        var original = new MlpClassifier(new MlpConfig { HiddenSizes = [8] }, 3);
        var loaded = MlpStore.Load(dir);
        Assert.Equal(original.NamedParameters().Select(p => p.Tensor.ToArray()), loaded.NamedParameters().Select(p => p.Tensor.ToArray()));
    }

    [Fact]
    public void Eval_MissingConfig_NamesConfig()
    {
        File.Delete(ConfigPath);
        CliRunner.AssertBadInput(CliRunner.Run("eval", "mnist", "--model", dir), "config.json");
    }

    [Fact]
    public void Eval_MalformedConfig_NamesConfig()
    {
        File.WriteAllText(ConfigPath, "{ \"model_type\": \"interrogate-mlp\", ");
        CliRunner.AssertBadInput(CliRunner.Run("eval", "mnist", "--model", dir), "config.json");
    }

    [Fact]
    public void Eval_UnknownActivationInConfig_NamesActivation()
    {
        File.WriteAllText(ConfigPath, File.ReadAllText(ConfigPath).Replace("\"relu\"", "\"swishy\""));
        CliRunner.AssertBadInput(CliRunner.Run("eval", "mnist", "--model", dir), "swishy");
    }

    [Fact]
    public void Eval_MissingWeights_NamesWeights()
    {
        File.Delete(WeightsPath);
        CliRunner.AssertBadInput(CliRunner.Run("eval", "mnist", "--model", dir), "model.safetensors");
    }

    [Fact]
    public void Eval_TruncatedWeights_NamesWeights()
    {
        var bytes = File.ReadAllBytes(WeightsPath);
        File.WriteAllBytes(WeightsPath, bytes[..(bytes.Length - 100)]);
        CliRunner.AssertBadInput(CliRunner.Run("eval", "mnist", "--model", dir), "model.safetensors");
    }

    [Fact]
    public void Eval_ShapeMismatch_NamesTensorAndShapes()
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(ConfigPath))!;
        config["hidden_sizes"] = new System.Text.Json.Nodes.JsonArray(9);
        File.WriteAllText(ConfigPath, config.ToJsonString());
        var r = CliRunner.Run("eval", "mnist", "--model", dir);
        CliRunner.AssertBadInput(r, "model.safetensors");
        Assert.Contains("[8, 784]", r.Stderr);
        Assert.Contains("[9, 784]", r.Stderr);
    }

    [Fact]
    public void Load_HugeHiddenSize_RefusedBeforeAllocating()
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(ConfigPath))!;
        config["hidden_sizes"] = new System.Text.Json.Nodes.JsonArray(1_000_000_000);
        File.WriteAllText(ConfigPath, config.ToJsonString());
        var e = Assert.Throws<InputException>(() => MlpStore.Load(dir));
        Assert.Contains("config.json: describes", e.Message);
        Assert.Contains("000,000,000 weights, but model.safetensors holds", e.Message);
    }

    [Fact]
    public void Train_BadFlag_WritesNoOutputFolder()
    {
        var outDir = Path.Combine(dir, "never-written");
        CliRunner.AssertBadInput(CliRunner.Run("train", "mnist", "--epochs", "0", "--out", outDir), "--epochs");
        Assert.False(Directory.Exists(outDir));
    }
}
