using Interrogate.Models;
using Interrogate.Models.Onnx;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = Interrogate.Tensors.Tensor;

namespace Interrogate.Tests.Models.Onnx;

/// <summary>
/// Runs an exported model in ONNX Runtime beside our forward pass and measures the largest difference of
/// the logits and of every hook, relative to the largest magnitude of our value (or absolute below 1).
/// </summary>
internal static class OnnxRun
{
    public sealed record Comparison(string Name, float MaxDiff, float MaxAbs)
    {
        /// <summary>max|Δ| / max(1, max|ours|): relative for large values, absolute for small ones.</summary>
        public float Error => MaxDiff / Math.Max(1f, MaxAbs);
        public override string ToString() => $"{Name}: max|Δ| {MaxDiff:E2} (max|ours| {MaxAbs:F2}, error {Error:E2})";
    }

    /// <summary>Every hook point of the model as one pattern list, so the export covers them all.</summary>
    public static string AllHooks(Module model) => string.Join(",", model.HookPoints().Select(h => h.FullName));

    /// <summary>Ours vs ONNX Runtime on unpadded rows of ids [batch][length]: logits first, then each exported hook.</summary>
    public static List<Comparison> Compare(CausalLanguageModel model, int[][] rows, string? hooks)
    {
        var bytes = OnnxExport.ToBytes(model, hooks);
        int b = rows.Length, t = rows[0].Length;
        var ids = rows.SelectMany(r => r).ToArray();
        var ours = new Dictionary<string, float[]>();
        var exported = hooks is null ? [] : HookNames.Resolve(hooks, model.HookPoints().Select(h => h.FullName)).ToHashSet();
        using (var _ = GradientTape.NoGrad())
        using (var scope = new HookScope().Cache(exported.Contains))
        {
            ours["logits"] = model.Forward(new TokenBatch(ids, b, t)).ToArray();
            foreach (var (name, value) in scope.Cached) ours[name] = value.ToArray();
        }
        var input = NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), [b, t]));
        return Run(bytes, input, ours);
    }

    /// <summary>Ours vs ONNX Runtime for a classifier on x [batch, features].</summary>
    public static List<Comparison> Compare(IClassifier model, Tensor x, string? hooks)
    {
        var bytes = OnnxExport.ToBytes(model, hooks);
        var ours = new Dictionary<string, float[]>();
        var exported = hooks is null ? [] : HookNames.Resolve(hooks, model.Module.HookPoints().Select(h => h.FullName)).ToHashSet();
        using (var _ = GradientTape.NoGrad())
        using (var scope = new HookScope().Cache(exported.Contains))
        {
            ours["logits"] = model.Forward(x).ToArray();
            foreach (var (name, value) in scope.Cached) ours[name] = value.ToArray();
        }
        var input = NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(x.ToArray(), [.. x.Shape]));
        return Run(bytes, input, ours);
    }

    private static List<Comparison> Run(byte[] bytes, NamedOnnxValue input, Dictionary<string, float[]> ours)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(bytes, options);
        Assert.Equal(ours.Keys.Order(StringComparer.Ordinal), session.OutputMetadata.Keys.Order(StringComparer.Ordinal));
        using var results = session.Run([input]);
        var comparisons = new List<Comparison>();
        foreach (var result in results)
        {
            var theirs = result.AsEnumerable<float>().ToArray();
            var mine = ours[result.Name];
            Assert.True(theirs.Length == mine.Length, $"{result.Name}: ONNX Runtime gives {theirs.Length} values, ours {mine.Length}");
            comparisons.Add(new Comparison(result.Name, ModelKit.MaxAbsDiff(mine, theirs), ModelKit.MaxAbs(mine)));
        }
        return [.. comparisons.OrderBy(c => c.Name == "logits" ? 0 : 1)];
    }
}
