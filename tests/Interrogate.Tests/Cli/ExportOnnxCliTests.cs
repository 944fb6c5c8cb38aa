using System.Text.Json;
using Interrogate.Models;
using Interrogate.Models.Mlp;
using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Models;
using Interrogate.Tests.Models.Families;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Interrogate.Tests.Cli;

/// <summary>`interrogate export onnx` as a user runs it: folders in, one .onnx file out, user errors as one line and exit 2.</summary>
public sealed class ExportOnnxCliTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void ExportOnnx_Gemma2Folder_WritesFileOrtRunsWithSameLogitsAndHookOutputs()
    {
        var model = FamilyKit.Build("gemma2-softcap-window");
        var folder = Path.Combine(dir.Path, "gemma2");
        model.Save(folder);
        var path = dir.File("gemma2.onnx");
        var r = CliRunner.Run("export", "onnx", "--model", folder, "--out", path, "--hooks", "blocks.*.mlp.hook_post", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var outputs = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("outputs").EnumerateArray().Select(e => e.GetString());
        Assert.Equal(["logits", "blocks.0.mlp.hook_post", "blocks.1.mlp.hook_post", "blocks.2.mlp.hook_post"], outputs);

        int[] ids = ModelKit.RandomIds(9, model.Dimensions.VocabSize, 5);
        float[] ours;
        using (var _ = GradientTape.NoGrad()) ours = model.Forward(ids).ToArray();
        using var session = new InferenceSession(path);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), [1, ids.Length]))]);
        var theirs = results.First(v => v.Name == "logits").AsEnumerable<float>().ToArray();
        Assert.True(ModelKit.MaxAbsDiff(ours, theirs) < 1e-4f);
    }

    [Fact]
    public void ExportOnnx_MlpClassifierFolder_ExitsZero()
    {
        var folder = Path.Combine(dir.Path, "mlp");
        ClassifierStore.Save(new MlpClassifier(new MlpConfig { InputSize = 6, HiddenSizes = [4], NumClasses = 2 }, 1), folder);
        var r = CliRunner.Run("export", "onnx", "--model", folder, "--out", dir.File("mlp.onnx"), "--hooks", "layers.*.hook_post");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("1 hook outputs", r.Stdout);
        Assert.True(new FileInfo(dir.File("mlp.onnx")).Length > 0);
    }

    [Fact]
    public void ExportOnnx_MissingModelFolder_OneLineExitTwo()
    {
        var missing = Path.Combine(dir.Path, "no-such-model");
        CliRunner.AssertBadInput(CliRunner.Run("export", "onnx", "--model", missing, "--out", dir.File("x.onnx")), "no-such-model");
        Assert.False(File.Exists(dir.File("x.onnx")));
    }

    [Fact]
    public void ExportOnnx_UnknownModelType_OneLineNamingConfig()
    {
        var folder = Path.Combine(dir.Path, "bert");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), """{"model_type": "bert"}""");
        CliRunner.AssertBadInput(CliRunner.Run("export", "onnx", "--model", folder, "--out", dir.File("bert.onnx")), "config.json");
        Assert.False(File.Exists(dir.File("bert.onnx")));
    }

    [Fact]
    public void ExportOnnx_OutUnderAFile_OneLineNamingOut()
    {
        var folder = Path.Combine(dir.Path, "llama");
        FamilyKit.Build("llama3-tied-gqa").Save(folder);
        var blocker = dir.File("not-a-folder");
        File.WriteAllText(blocker, "x");
        CliRunner.AssertBadInput(CliRunner.Run("export", "onnx", "--model", folder, "--out", Path.Combine(blocker, "m.onnx")), "--out");
    }

    [Fact]
    public void ExportOnnx_OutExists_OneLineAndFileKept()
    {
        var folder = Path.Combine(dir.Path, "llama");
        FamilyKit.Build("llama3-tied-gqa").Save(folder);
        var existing = dir.File("old.onnx");
        File.WriteAllText(existing, "keep me");
        CliRunner.AssertBadInput(CliRunner.Run("export", "onnx", "--model", folder, "--out", existing), "already exists");
        Assert.Equal("keep me", File.ReadAllText(existing));
    }

    [Fact]
    public void ExportOnnx_HooksMatchNothing_OneLineAndNoFile()
    {
        var folder = Path.Combine(dir.Path, "llama");
        FamilyKit.Build("llama3-tied-gqa").Save(folder);
        CliRunner.AssertBadInput(CliRunner.Run("export", "onnx", "--model", folder, "--out", dir.File("h.onnx"), "--hooks", "blocks.*.nothing"), "--hooks");
        Assert.False(File.Exists(dir.File("h.onnx")));
    }
}
