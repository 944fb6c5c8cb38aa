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
        var (ours, reference) = FamilyReference.Results.Value[variant];
        Assert.Equal(reference.Length, ours.Length);
        double relative = ModelKit.MaxAbsDiff(ours, reference) / ModelKit.MaxAbs(reference);
        output.WriteLine($"{variant}: max|Δ|/max|logit| = {relative:E2} (max |logit| {ModelKit.MaxAbs(reference):F3})");
        Assert.True(relative <= RelativeTolerance, $"{variant}: logits differ from the float64 reference by {relative:E2} (relative)");
    }

    /// <summary>A model pruned to different widths per layer, saved padded to one width: the reference (standard keys only) gets the pruned model's logits.</summary>
    [RequiresTorchTheory]
    [MemberData(nameof(FamilyKit.All), MemberType = typeof(FamilyKit))]
    public void Logits_PrunedSavedPadded_ReferenceLoaderGetsPrunedLogits(string variant)
    {
        var (ours, reference) = FamilyReference.Results.Value["padded:" + variant];
        double relative = ModelKit.MaxAbsDiff(ours, reference) / ModelKit.MaxAbs(reference);
        output.WriteLine($"padded {variant}: max|Δ|/max|logit| = {relative:E2}");
        Assert.True(relative <= RelativeTolerance, $"padded {variant}: the reference's logits differ from the pruned model's by {relative:E2} (relative)");
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

/// <summary>
/// Runs Parity/families.py once for every variant of <see cref="FamilyKit"/> (one PyTorch start, not
/// one per variant) on 2 rows of 12 random tokens: our logits and the reference's, by variant.
/// </summary>
internal static class FamilyReference
{
    public static readonly Lazy<Dictionary<string, (float[] Ours, float[] Reference)>> Results = new(RunAll);

    private static Dictionary<string, (float[] Ours, float[] Reference)> RunAll()
    {
        using var dir = new TempDir();
        const int b = 2, t = 12;
        var jobs = new JsonArray();
        var ours = new Dictionary<string, float[]>();
        foreach (var job in FamilyKit.Names.SelectMany(n => new[] { n, "padded:" + n }))
        {
            var variant = job;
            var modelDir = Directory.CreateDirectory(dir.File(variant.Replace(':', '-'))).FullName;
            CausalLanguageModel model;
            if (variant.StartsWith("padded:", StringComparison.Ordinal))
            {
                // Our logits from the pruned model itself; the reference reads the padded files.
                model = FamilyKit.Pruned(variant["padded:".Length..]);
                model.SaveStandard(modelDir);
            }
            else model = FamilyKit.RoundTrip(FamilyKit.Build(variant, 3), modelDir);
            var ids = ModelKit.RandomIds(b * t, model.Dimensions.VocabSize, 11);
            using (GradientTape.NoGrad()) ours[variant] = model.Forward(new TokenBatch(ids, b, t)).ToArray();
            var request = dir.File(variant.Replace(':', '-') + ".request.json");
            File.WriteAllText(request, new JsonObject
            {
                ["ids"] = new JsonArray([.. Enumerable.Range(0, b).Select(i => new JsonArray([.. ids[(i * t)..((i + 1) * t)].Select(id => JsonValue.Create(id))]))]),
            }.ToJsonString());
            jobs.Add(new JsonObject { ["model"] = modelDir, ["request"] = request, ["out"] = dir.File(variant.Replace(':', '-') + ".out") });
        }
        File.WriteAllText(dir.File("jobs.json"), jobs.ToJsonString());
        var script = Path.Combine(Path.GetDirectoryName(TorchReference.ScriptPath)!, "families.py");
        var (code, stdout, stderr) = TorchReference.RunProcess([script, dir.File("jobs.json")], TimeSpan.FromMinutes(3));
        if (code != 0) throw new InvalidOperationException($"families.py failed ({code}):\n{stdout}\n{stderr}");
        return ours.ToDictionary(p => p.Key, p => (p.Value, TorchReference.ReadFloats(Path.Combine(dir.File(p.Key.Replace(':', '-') + ".out"), "logits.f32"))));
    }
}
