using Interrogate.Models.Generation;
using Interrogate.Models.Transformer;
using Interrogate.Tensors;

namespace Interrogate.Tests.Models;

public class GenerationTests
{
    [Fact]
    public void Forward_WithCache_MatchesRecomputationTokenByToken()
    {
        foreach (CausalLanguageModel model in new CausalLanguageModel[] { ModelKit.Gpt2(), ModelKit.Llama() })
        {
            int v = model.Dimensions.VocabSize;
            var sequence = ModelKit.RandomIds(12, v, 7).ToList();
            var cache = new KeyValueCache(model.Dimensions.Layers);
            var stepLogits = model.Forward(TokenBatch.Single([.. sequence[..4]]), cache).ToArray();
            for (int n = 4; n < sequence.Count; n++)
            {
                var full = model.Forward([.. sequence[..n]]).ToArray();   // [1, n, V]
                var lastFull = full.AsSpan((n - 1) * v, v);
                var lastCached = stepLogits.AsSpan(stepLogits.Length - v, v);
                Assert.True(ModelKit.MaxAbsDiff(lastFull, lastCached) < 1e-5f, $"{model.ModelType} step {n}: {ModelKit.MaxAbsDiff(lastFull, lastCached)}");
                stepLogits = model.Forward(TokenBatch.Single(sequence[n]), cache).ToArray();
            }
            Assert.Equal(sequence.Count, cache.Length);
        }
    }

    [Theory]
    [InlineData(0f, 0, 1f)]
    [InlineData(1.3f, 0, 1f)]
    [InlineData(0.8f, 5, 1f)]
    [InlineData(1f, 0, 0.7f)]
    public void Generate_Cached_EqualsUncached(float temperature, int topK, float topP)
    {
        foreach (CausalLanguageModel model in new CausalLanguageModel[] { ModelKit.Gpt2(), ModelKit.Llama() })
        {
            var options = new GenerationOptions { MaxNewTokens = 10, Temperature = temperature, TopK = topK, TopP = topP, Seed = 9, StopAtEos = false };
            var prompt = ModelKit.RandomIds(4, model.Dimensions.VocabSize, 8);
            var cached = Generator.Generate(model, prompt, options);
            var uncached = Generator.Generate(model, prompt, options with { UseCache = false });
            Assert.Equal(uncached.Tokens, cached.Tokens);
            Assert.Equal(10, cached.Tokens.Length);
        }
    }

    [Fact]
    public void Generate_Greedy_PicksArgMaxOfRecomputedLogits()
    {
        var model = ModelKit.Gpt2();
        var prompt = new[] { 3, 14, 15 };
        var result = Generator.Generate(model, prompt, new GenerationOptions { MaxNewTokens = 5, StopAtEos = false });
        var sequence = prompt.ToList();
        foreach (int token in result.Tokens)
        {
            var logits = model.Forward([.. sequence]).ToArray();
            Assert.Equal(Sampler.ArgMax(logits.AsSpan(logits.Length - 37, 37)), token);
            sequence.Add(token);
        }
    }

    [Fact]
    public void Generate_SameSeed_SameTokens_OtherSeed_Differs()
    {
        var model = ModelKit.Llama();
        var options = new GenerationOptions { MaxNewTokens = 12, Temperature = 1.5f, Seed = 1, StopAtEos = false };
        var a = Generator.Generate(model, [1, 5, 6], options).Tokens;
        var b = Generator.Generate(model, [1, 5, 6], options).Tokens;
        var c = Generator.Generate(model, [1, 5, 6], options with { Seed = 2 }).Tokens;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Sampler_TopKOne_IsGreedy_TopP_KeepsOnlyTheNucleus()
    {
        float[] logits = [0f, 3f, 1f, 2.9f, -1f];
        var rng = new TensorRandom(3);
        for (int i = 0; i < 50; i++)
            Assert.Equal(1, Sampler.Next(logits, new GenerationOptions { Temperature = 1f, TopK = 1 }, rng));
        // p(1) ≈ 0.46, p(3) ≈ 0.41: a nucleus of 0.8 holds exactly ids 1 and 3.
        var seen = Enumerable.Range(0, 400).Select(_ => Sampler.Next(logits, new GenerationOptions { Temperature = 1f, TopP = 0.8f }, rng)).ToHashSet();
        Assert.Equal(new HashSet<int> { 1, 3 }, seen);
    }

    [Fact]
    public void Generate_StopsAtEos()
    {
        var model = ModelKit.Gpt2();
        var prompt = new[] { 3, 14, 15 };
        var free = Generator.Generate(model, prompt, new GenerationOptions { MaxNewTokens = 6, StopAtEos = false });
        int eos = free.Tokens[2];
        var stopped = Generator.Generate(model, prompt, new GenerationOptions { MaxNewTokens = 6, EosId = eos });
        Assert.Equal(GenerationStop.EndOfSequence, stopped.Stop);
        Assert.Equal(eos, stopped.Tokens[^1]);
        Assert.Equal(free.Tokens[..(Array.IndexOf(free.Tokens, eos) + 1)], stopped.Tokens);
    }

    [Fact]
    public void Generate_PromptLongerThanContext_Throws()
    {
        var model = ModelKit.Gpt2();   // context 24
        var ex = Assert.Throws<InputException>(() => Generator.Generate(model, new int[25], new GenerationOptions()));
        Assert.Contains("context of 24", ex.Message);
        var full = Generator.Generate(model, new int[22], new GenerationOptions { MaxNewTokens = 10, StopAtEos = false });
        Assert.Equal(GenerationStop.ContextFull, full.Stop);
        Assert.Equal(2, full.Tokens.Length);
    }
}
