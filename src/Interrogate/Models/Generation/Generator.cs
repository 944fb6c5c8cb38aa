using Interrogate.Models.Transformer;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Text;

namespace Interrogate.Models.Generation;

/// <summary>
/// Autoregressive generation from a prompt. With a KV cache each step runs only the new token;
/// without, it recomputes the whole sequence (same tokens, slower; kept for checking the cache).
/// Hook scopes active around the call see every step.
/// </summary>
public static class Generator
{
    /// <summary>Generates after <paramref name="prompt"/>; a prompt longer than the model's context is an <see cref="InputException"/>.</summary>
    public static GenerationResult Generate(CausalLanguageModel model, int[] prompt, GenerationOptions options, ITokenizer? tokenizer = null)
    {
        options.Validate();
        int context = model.Dimensions.ContextLength;
        if (prompt.Length == 0) throw new InputException("the prompt is empty; generation needs at least one token");
        if (prompt.Length > context)
            throw new InputException($"the prompt has {prompt.Length} tokens, more than the model's context of {context}");
        int? eos = options.StopAtEos ? options.EosId ?? tokenizer?.EosId ?? model.EosId : null;
        var rng = new TensorRandom(options.Seed);
        var cache = options.UseCache ? new KeyValueCache(model.Dimensions.Layers) : null;
        var sequence = new List<int>(prompt);
        var generated = new List<int>();
        using var _ = GradientTape.NoGrad();
        var logits = model.Forward(TokenBatch.Single(prompt), cache);          // [1, T, V]
        while (true)
        {
            if (generated.Count >= options.MaxNewTokens) return new([.. generated], GenerationStop.MaxTokens);
            if (sequence.Count >= context) return new([.. generated], GenerationStop.ContextFull);
            int next = Sampler.Next(LastRow(logits), options, rng);
            generated.Add(next);
            sequence.Add(next);
            if (next == eos) return new([.. generated], GenerationStop.EndOfSequence);
            if (generated.Count >= options.MaxNewTokens || sequence.Count >= context) continue;
            logits = cache is not null
                ? model.Forward(TokenBatch.Single(next), cache)                  // [1, 1, V]
                : model.Forward(TokenBatch.Single([.. sequence]));               // [1, T + n, V]
        }
    }

    /// <summary>Encodes the prompt (after the tokenizer's BOS when <paramref name="addBos"/>, as Llama expects), generates, and decodes only the new tokens.</summary>
    public static string GenerateText(CausalLanguageModel model, ITokenizer tokenizer, string prompt, GenerationOptions options, bool addBos = false)
    {
        var ids = tokenizer.Encode(prompt);
        if (addBos && tokenizer.BosId is int bos) ids = [bos, .. ids];
        var result = Generate(model, ids, options, tokenizer);
        return tokenizer.Decode(result.Tokens);
    }

    /// <summary>logits: [1, T, V] → the last position's [V].</summary>
    private static ReadOnlySpan<float> LastRow(Tensor logits)
    {
        int t = logits.Shape[1], v = logits.Shape[2];
        return logits.ContiguousData().Span.Slice((t - 1) * v, v);
    }
}
