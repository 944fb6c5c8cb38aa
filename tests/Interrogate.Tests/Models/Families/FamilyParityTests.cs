using System.Text.Json.Nodes;
using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Models.Parity;
using Xunit.Abstractions;

namespace Interrogate.Tests.Models.Families;

/// <summary>
/// Every family against Parity/families.py, an independent float64 PyTorch implementation written
/// from the published equations that reads only standard config keys: random tiny models saved in
/// the Hugging Face layout, loaded back through the real loader, logits compared.
/// </summary>
[Trait("Category", "Parity")]
public class FamilyParityTests(ITestOutputHelper output)
{
    /// <summary>max |Δlogit| / max |logit|.</summary>
    private const double RelativeTolerance = 1e-4;

    [RequiresTorchTheory]
    [MemberData(nameof(FamilyKit.All), MemberType = typeof(FamilyKit))]
    public void Logits_RandomTinyModel_MatchFloat64Reference(string variant)
    {
        using var dir = new TempDir();
        var modelDir = Directory.CreateDirectory(dir.File("model")).FullName;
        var model = FamilyKit.RoundTrip(FamilyKit.Build(variant, 3), modelDir);
        const int b = 2, t = 12;
        var ids = ModelKit.RandomIds(b * t, model.Dimensions.VocabSize, 11);
        float[] logits;
        using (GradientTape.NoGrad()) logits = model.Forward(new TokenBatch(ids, b, t)).ToArray();

        var reference = FamilyReference.Logits(modelDir, [.. Enumerable.Range(0, b).Select(i => ids[(i * t)..((i + 1) * t)])], dir.Path);
        Assert.Equal(reference.Length, logits.Length);
        double relative = ModelKit.MaxAbsDiff(logits, reference) / ModelKit.MaxAbs(reference);
        output.WriteLine($"{variant}: max|Δ|/max|logit| = {relative:E2} (max |logit| {ModelKit.MaxAbs(reference):F3})");
        Assert.True(relative <= RelativeTolerance, $"{variant}: logits differ from the float64 reference by {relative:E2} (relative)");
    }
}

/// <summary>Skips a theory, visibly, when /usr/bin/python3 cannot import torch.</summary>
public sealed class RequiresTorchTheoryAttribute : TheoryAttribute
{
    public RequiresTorchTheoryAttribute()
    {
        if (!TorchReference.Available) Skip = $"PyTorch is not available ({TorchReference.Python} -c \"import torch\" failed): family parity is not checked";
    }
}

/// <summary>Runs Parity/families.py on a saved model folder.</summary>
internal static class FamilyReference
{
    public static float[] Logits(string modelDir, int[][] rows, string workDir)
    {
        var request = Path.Combine(workDir, "family-request.json");
        var output = Path.Combine(workDir, "family-reference");
        File.WriteAllText(request, new JsonObject { ["ids"] = new JsonArray([.. rows.Select(r => new JsonArray([.. r.Select(i => JsonValue.Create(i))]))]) }.ToJsonString());
        var script = Path.Combine(Path.GetDirectoryName(TorchReference.ScriptPath)!, "families.py");
        var (code, stdout, stderr) = TorchReference.RunProcess([script, modelDir, request, output], TimeSpan.FromMinutes(2));
        if (code != 0) throw new InvalidOperationException($"families.py failed ({code}):\n{stdout}\n{stderr}");
        return TorchReference.ReadFloats(Path.Combine(output, "logits.f32"));
    }
}
