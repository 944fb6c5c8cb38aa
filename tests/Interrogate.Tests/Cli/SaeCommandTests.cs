using System.Text;
using System.Text.Json;
using Interrogate.Tests.Features;

namespace Interrogate.Tests.Cli;

public class SaeCommandTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), $"sae-cli-{Guid.NewGuid():N}");

    public SaeCommandTests() => Directory.CreateDirectory(dir);
    public void Dispose() { if (Directory.Exists(dir)) Directory.Delete(dir, true); }

    private static void WriteNpy(string path, float[] data, int rows, int cols, string descr = "<f4")
    {
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
        header = header.PadRight((header.Length + 11) / 64 * 64 + 64 - 11) + "\n";
        using var f = File.Create(path);
        f.Write([0x93, .. "NUMPY"u8, 1, 0, (byte)(header.Length & 0xff), (byte)(header.Length >> 8)]);
        f.Write(Encoding.Latin1.GetBytes(header));
        foreach (var v in data) f.Write(BitConverter.GetBytes(v));
    }

    [Fact]
    public void Train_OnNpyMatrix_WritesSaeLensFolderAndHeldOutMetrics()
    {
        var data = new SyntheticDictionaryData(32, 16, 3, 4096, seed: 3);
        string npy = Path.Combine(dir, "acts.npy"), outDir = Path.Combine(dir, "sae");
        WriteNpy(npy, data.X, data.Rows, data.Width);
        var r = CliRunner.Run("sae", "train", "--activations", npy, "--latents", "64", "--k", "4", "--batch", "256", "--tokens", "51200", "--out", outDir, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("training: step 200/200", r.Stderr);
        Assert.True(File.Exists(Path.Combine(outDir, "cfg.json")) && File.Exists(Path.Combine(outDir, "sae_weights.safetensors")));
        using var json = JsonDocument.Parse(r.Stdout);
        var heldOut = json.RootElement.GetProperty("held_out");
        Assert.Equal(384, heldOut.GetProperty("rows").GetInt64());   // every 10th block of 128 rows
        Assert.True(heldOut.GetProperty("variance_explained").GetDouble() > 0.7, r.Stdout);
        Assert.Equal(12, heldOut.GetProperty("density_histogram").GetArrayLength());
        Assert.Equal(64 - heldOut.GetProperty("dead").GetInt32(), heldOut.GetProperty("density_histogram").EnumerateArray().Sum(b => b.GetProperty("count").GetInt32()));
        Assert.Equal(4.0, heldOut.GetProperty("mean_l0").GetDouble(), 6);
        // Run again: resumes at the end and changes nothing.
        var again = CliRunner.Run("sae", "train", "--activations", npy, "--latents", "64", "--k", "4", "--batch", "256", "--tokens", "51200", "--out", outDir, "--json");
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.True(JsonDocument.Parse(again.Stdout).RootElement.GetProperty("resumed").GetBoolean());
    }

    [Fact]
    public void Train_NpyOfWrongDtype_OneLineErrorExit2()
    {
        string npy = Path.Combine(dir, "f8.npy");
        WriteNpy(npy, new float[64], 16, 2, "<f8");
        CliRunner.AssertBadInput(CliRunner.Run("sae", "train", "--activations", npy, "--out", Path.Combine(dir, "o")), "float32");
    }

    [Fact]
    public void Eval_MalformedDictionary_OneLineErrorExit2()
    {
        string sae = Path.Combine(dir, "bad");
        Directory.CreateDirectory(sae);
        File.WriteAllText(Path.Combine(sae, "cfg.json"), "{\"d_in\": 128, \"d_sae\": 64, \"architecture\": \"topk\", \"k\": 4, \"hook_name\": \"blocks.0.hook_resid_post\"}");
        File.WriteAllText(Path.Combine(sae, "sae_weights.safetensors"), "garbage");
        CliRunner.AssertBadInput(CliRunner.Run("sae", "eval", "--sae", sae), "sae_weights.safetensors");
    }

    [Fact]
    public void Train_HookAndTranscoderHooksTogether_OneLineErrorExit2() =>
        CliRunner.AssertBadInput(CliRunner.Run("sae", "train", "--hook", "blocks.0.hook_resid_post", "--hook-in", "blocks.0.hook_resid_pre", "--out", Path.Combine(dir, "o")), "--hook");
}
