using Interrogate.Store;

namespace Interrogate.Analysis.Explanation;

/// <summary>
/// An explanation and its held-out score: tokens [0, Explanation.Tokens) of the run built it, the
/// Score.Tokens after them scored it.
/// </summary>
public sealed record ExplainedNeuron(NeuronExplanation Explanation, ExplanationScore Score);

/// <summary>
/// Explain → simulate → score in one call: the first part of a token run (whole windows) builds the
/// explanation, the rest, which it never saw, scores it.
/// </summary>
public static class HeldOutExplainer
{
    /// <summary>Tokens read from a store at most, from its start (a column of 2M floats plus facts is ~40 MB).</summary>
    public const long DefaultMaxTokens = 2_000_000;

    /// <param name="tokens">[n] token ids in text order.</param>
    /// <param name="activations">[n] the neuron's activation at each.</param>
    /// <param name="facts">Token classes of the model's vocabulary.</param>
    /// <param name="windowLength">Tokens per window (the split falls on a window boundary); null: split anywhere.</param>
    /// <param name="heldOutFraction">Share of the windows held out for scoring, in (0, 1).</param>
    /// <param name="options">Explanation length and shrinkage; null for the defaults.</param>
    public static ExplainedNeuron Run(ReadOnlySpan<int> tokens, ReadOnlySpan<float> activations, TokenFacts facts,
        int? windowLength = null, double heldOutFraction = 0.2, ExplainerOptions? options = null)
    {
        if (tokens.Length != activations.Length) throw new ArgumentException($"{tokens.Length} tokens but {activations.Length} activations");
        if (!(heldOutFraction > 0 && heldOutFraction < 1)) throw new ArgumentOutOfRangeException(nameof(heldOutFraction), "held-out fraction must lie in (0, 1)");
        int window = windowLength ?? 1;
        int windows = (tokens.Length + window - 1) / window;
        if (windows < 2 || tokens.Length < 4)
            throw new InputException($"{tokens.Length} tokens in {windows} window(s): too few to explain on one part and score on another; record more tokens");
        int heldOutWindows = Math.Clamp((int)Math.Round(windows * heldOutFraction), 1, windows - 1);
        int split = (windows - heldOutWindows) * window;
        var explanation = NeuronExplainer.Explain(tokens[..split], activations[..split], facts, windowLength, options);
        var score = ExplanationScorer.Score(explanation, tokens[split..], activations[split..], windowLength, options);
        return new ExplainedNeuron(explanation, score);
    }

    /// <summary>Explains a neuron of an activation store from its first tokens and scores it on the last ones.</summary>
    /// <param name="store">An activation store (its windows give the split points).</param>
    /// <param name="hook">A hook point recorded in the store.</param>
    /// <param name="neuron">Index along the hook's last axis.</param>
    /// <param name="facts">Token classes of the vocabulary of the model that was recorded.</param>
    /// <param name="heldOutFraction">Share of the windows held out for scoring, in (0, 1).</param>
    /// <param name="maxTokens">Read at most this many tokens from the start of the store.</param>
    /// <param name="options">Explanation length and shrinkage; null for the defaults.</param>
    public static ExplainedNeuron Run(ActivationStore store, string hook, int neuron, TokenFacts facts, double heldOutFraction = 0.2,
        long maxTokens = DefaultMaxTokens, ExplainerOptions? options = null)
    {
        int width = store.Width(hook);
        if (neuron < 0 || neuron >= width) throw new InputException($"--neuron {neuron}: {hook} has neurons 0..{width - 1}");
        int n = (int)Math.Min(store.Tokens, maxTokens);
        var ids = store.ReadTokens(0, n);
        if (ids.Any(id => id >= facts.VocabSize))
            throw new InputException($"the store holds token ids up to {ids.Max()} but the tokenizer has {facts.VocabSize}; use the --model the store was recorded with");
        return Run(ids, store.ReadNeuron(hook, neuron, 0, n), facts, store.Manifest.WindowLength, heldOutFraction, options);
    }
}
