using Interrogate.Models.Gpt2;
using Interrogate.Models.Llama;
using Interrogate.Models.Transformer;
using Interrogate.Tensors;

namespace Interrogate.Tests.Models;

/// <summary>Tiny models with every parameter randomised (norm weights too), and scratch folders.</summary>
internal static class ModelKit
{
    public static readonly Gpt2Config Gpt2Tiny = new()
    {
        VocabSize = 37, ContextLength = 24, DModel = 16, Layers = 2, Heads = 4, Inner = 24, Activation = "gelu_new",
    };

    public static readonly LlamaConfig LlamaTiny = new()
    {
        VocabSize = 41, ContextLength = 32, DModel = 16, Layers = 2, Heads = 4, KeyValueHeads = 2, Intermediate = 20,
        RmsNormEps = 1e-5f, RopeTheta = 10000, BosId = 1, EosId = 2,
    };

    public static Gpt2Model Gpt2(Gpt2Config? config = null, ulong seed = 1) => Randomized(new Gpt2Model(config ?? Gpt2Tiny, seed), seed);

    public static LlamaModel Llama(LlamaConfig? config = null, ulong seed = 1) => Randomized(new LlamaModel(config ?? LlamaTiny, seed), seed);

    /// <summary>Redraws every parameter: matrices N(0, 0.3), vectors around 1 (weights) or 0 (biases), so nothing is trivially symmetric.</summary>
    public static T Randomized<T>(T model, ulong seed) where T : CausalLanguageModel
    {
        var rng = new TensorRandom(seed + 1000);
        foreach (var (name, p) in model.NamedParameters())
        {
            var s = p.Span;
            bool isNormWeight = p.Rank == 1 && name.EndsWith(".weight", StringComparison.Ordinal);
            for (int i = 0; i < s.Length; i++)
                s[i] = (float)(isNormWeight ? 1 + 0.2 * rng.NextNormal() : (p.Rank == 1 ? 0.1 : 0.3) * rng.NextNormal());
        }
        return model;
    }

    public static int[] RandomIds(int count, int vocab, ulong seed)
    {
        var rng = new TensorRandom(seed);
        return [.. Enumerable.Range(0, count).Select(_ => rng.NextInt(vocab))];
    }

    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"lengths differ: {a.Length} vs {b.Length}");
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    public static float MaxAbs(ReadOnlySpan<float> a)
    {
        float max = 0;
        foreach (var v in a) max = Math.Max(max, Math.Abs(v));
        return max;
    }
}

/// <summary>A fresh folder under the temp directory, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("interrogate-models-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
