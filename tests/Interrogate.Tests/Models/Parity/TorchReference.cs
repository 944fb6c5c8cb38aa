using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Interrogate.Tests.Models.Parity;

/// <summary>Skips a test, visibly, when /usr/bin/python3 cannot import torch.</summary>
public sealed class RequiresTorchFactAttribute : FactAttribute
{
    public RequiresTorchFactAttribute()
    {
        if (!TorchReference.Available) Skip = $"PyTorch is not available ({TorchReference.Python} -c \"import torch\" failed): parity with the reference is not checked";
    }
}

/// <summary>Runs Parity/reference.py on a saved model and reads back its logits and hook gradient.</summary>
internal static class TorchReference
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> available = new(() =>
    {
        if (!File.Exists(Python)) return false;
        try { return RunProcess(["-c", "import torch, numpy"], TimeSpan.FromSeconds(60)).ExitCode == 0; }
        catch (System.ComponentModel.Win32Exception) { return false; }
    });

    public static bool Available => available.Value;

    /// <summary>reference.py, found from the source tree (the folder holding Interrogate.slnx), not copied to the output.</summary>
    public static string ScriptPath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Interrogate.slnx")))
                    return Path.Combine(dir.FullName, "tests", "Interrogate.Tests", "Models", "Parity", "reference.py");
            throw new InvalidOperationException($"no Interrogate.slnx above {AppContext.BaseDirectory}");
        }
    }

    public sealed record Result(float[] Logits, int[] LogitsShape, float[] Grad, int[] GradShape);

    /// <summary>Logits of the rows and the gradient of the mean next-token loss w.r.t. <paramref name="hook"/>.</summary>
    public static Result Run(string modelDir, int[][] rows, string hook, string workDir)
    {
        var request = Path.Combine(workDir, "request.json");
        var output = Path.Combine(workDir, "reference");
        var json = new JsonObject { ["ids"] = new JsonArray([.. rows.Select(r => new JsonArray([.. r.Select(i => JsonValue.Create(i))]))]), ["hook"] = hook };
        File.WriteAllText(request, json.ToJsonString());
        var (code, stdout, stderr) = RunProcess([ScriptPath, modelDir, request, output], TimeSpan.FromMinutes(2));
        if (code != 0) throw new InvalidOperationException($"reference.py failed ({code}):\n{stdout}\n{stderr}");
        var meta = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "meta.json")))!;
        int[] Shape(string key) => [.. meta[key]!.AsArray().Select(n => n!.GetValue<int>())];
        return new Result(ReadFloats(Path.Combine(output, "logits.f32")), Shape("logits_shape"),
            ReadFloats(Path.Combine(output, "grad.f32")), Shape("grad_shape"));
    }

    internal static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, values.Length * 4);   // little-endian on every supported platform
        return values;
    }

    internal static (int ExitCode, string Stdout, string Stderr) RunProcess(string[] args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "", "timed out");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
