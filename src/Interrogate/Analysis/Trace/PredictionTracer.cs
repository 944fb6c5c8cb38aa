using Interrogate.Features;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;
using Interrogate.Text;

namespace Interrogate.Analysis.Trace;

/// <summary>
/// Makes "interrogate the math at each step" literal for one prediction: runs the model once with
/// hooks, then reads the prediction back as a sum of parts. Direct logit attribution: every head,
/// MLP and embedding's share of the predicted token's logit, through the final norm with its scale
/// frozen for this input (the shares sum exactly to the logit). For a chosen neuron, its
/// pre-activation split the same way through its layer's ln2, and its own direct effect on the top
/// logits.
/// </summary>
public static class PredictionTracer
{
    private const int TopK = 5, TopSources = 3;

    /// <param name="model">The model (with <paramref name="features"/> attached, when given).</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="ids">The text's token ids.</param>
    /// <param name="position">The traced position (negative: from the end).</param>
    /// <param name="neuron">A neuron whose pre-activation to split, or null.</param>
    /// <param name="features">A dictionary whose hook to split into features (<see cref="FeatureTracer"/>), or null.</param>
    public static TraceResult Trace(CausalLanguageModel model, ITokenizer tokenizer, int[] ids, int position, (int Layer, int Index)? neuron = null,
        FeatureHook? features = null)
    {
        // The split is exact only when the logit is linear in the residual stream after the final norm's frozen
        // scale: norms after attention or the MLP (Gemma 2) and a final soft-cap break that, so refuse rather than
        // print components that do not sum to the logit.
        if (model.Blocks.Any(b => b.Ln1Post is not null || b.Ln2Post is not null) || model.FinalSoftCap is not null)
            throw new InputException("--model: trace splits a logit into per-component contributions only for models without post-norms or a final soft-cap (Gemma 2 has both); not supported for this model yet");
        if (ids.Length == 0) throw new InputException("--text: the text has no tokens");
        if (ids.Length > model.Dimensions.ContextLength)
            throw new InputException($"--text: {ids.Length} tokens are more than the model's context of {model.Dimensions.ContextLength}");
        int t = position < 0 ? ids.Length + position : position;
        if (t < 0 || t >= ids.Length) throw new InputException($"--position: {position} is outside the text's {ids.Length} tokens");
        if (neuron is { } n)
        {
            if (n.Layer < 0 || n.Layer >= model.Blocks.Count) throw new InputException($"--neuron: layer {n.Layer} out of range (the model has {model.Blocks.Count} layers)");
            int width = model.Blocks[n.Layer].Mlp.Width;
            if (n.Index < 0 || n.Index >= width) throw new InputException($"--neuron: index {n.Index} out of range (layer {n.Layer} has {width} neurons)");
        }

        if (features is not null) FeatureTracer.Covered(model, features.Dictionary.HookOut);   // refuse before the forward pass
        using var hooks = new HookScope().Cache([.. ResidualComponents.HookNames(model), .. features is null ? [] : FeatureTracer.HookNames(features)])
            .Cache(HookNames.IsAttnPattern);
        float[] logits;
        using (GradientTape.NoGrad()) logits = model.Forward(ids).ContiguousData().Span.Slice(t * model.Dimensions.VocabSize, model.Dimensions.VocabSize).ToArray();

        var tokens = ids.Select(tokenizer.TokenText).ToArray();
        var top = TopTokens(logits, tokenizer);
        var predicted = top[0];
        var components = ResidualComponents.Split(model, hooks, t);
        int d = model.Dimensions.DModel, last = model.Blocks.Count - 1;
        var finalNorm = new FrozenNorm(model.LnFinal, ResidualComponents.RowFloat(hooks, HookNames.ResidPost(last), t, d));
        var unembed = model.UnembedWeight.ContiguousData();          // [V, D]
        ReadOnlySpan<float> Direction(int id) => unembed.Span.Slice(id * d, d);

        double Dla(double[] vector) => FrozenNorm.Dot(finalNorm.Map(vector), Direction(predicted.Id));
        var dla = components.Select(c => new Contribution(c.Source, Dla(c.Vector))).ToList();
        double lnBias = FrozenNorm.Dot(finalNorm.Bias(), Direction(predicted.Id));
        dla.Add(new Contribution("ln_final.bias", lnBias));
        double dlaSum = dla.Sum(c => c.Value);

        var layers = new List<LayerTrace>();
        for (int l = 0; l <= last; l++)
        {
            var heads = components.Where(c => c.Layer == l && c.Kind == ResidualComponents.ComponentKind.Head)
                .Select(c => new HeadTrace(c.Head, Dla(c.Vector), TopAttended(hooks, l, c.Head, t, tokens))).ToList();
            double mlp = Dla(components.Single(c => c.Layer == l && c.Kind == ResidualComponents.ComponentKind.Mlp).Vector);
            double bias = components.Where(c => c.Layer == l && c.Kind == ResidualComponents.ComponentKind.AttentionBias).Sum(c => Dla(c.Vector));
            double before = Norm(ResidualComponents.RowFloat(hooks, HookNames.ResidPre(l), t, d));
            double after = Norm(ResidualComponents.RowFloat(hooks, l < last ? HookNames.ResidPre(l + 1) : HookNames.ResidPost(l), t, d));
            layers.Add(new LayerTrace(l, before, after, heads, mlp, bias));
        }

        NeuronTrace? neuronTrace = neuron is { } target ? TraceNeuron(model, hooks, components, finalNorm, unembed, top, target.Layer, target.Index, t) : null;
        return new TraceResult(tokens, t, predicted, top, logits[predicted.Id], dla, dlaSum, layers, neuronTrace)
        {
            Features = features is null ? null : FeatureTracer.Split(model, hooks, components, finalNorm, unembed, top, features, t, lnBias),
        };
    }

    private static NeuronTrace TraceNeuron(CausalLanguageModel model, HookScope hooks, List<ResidualComponents.Component> components,
        FrozenNorm finalNorm, Tensors.Tensor unembed, IReadOnlyList<TokenScore> top, int layer, int index, int t)
    {
        var block = model.Blocks[layer];
        int d = model.Dimensions.DModel, width = block.Mlp.Width;
        // A parallel block (Pythia) feeds its MLP the block's input, not the stream after its attention.
        bool parallel = block.ParallelResidual;
        var ln2 = new FrozenNorm(block.Ln2, ResidualComponents.RowFloat(hooks, parallel ? HookNames.ResidPre(layer) : HookNames.ResidMid(layer), t, d));
        var (input, output) = block.Mlp switch
        {
            DenseMlp dense => (dense.In, dense.Out),
            GatedMlp gated => (gated.Gate, gated.Down),
            _ => throw new NotSupportedException($"trace cannot read a {block.Mlp.GetType().Name}"),
        };
        var wIn = input.Weight.ContiguousData().Span.Slice(index * d, d).ToArray();   // row N of [d_mlp, D]
        // Everything written before this layer's MLP: embeddings, all earlier layers, this layer's attention (unless parallel).
        var sources = components.Where(c => c.Layer < layer || (c.Layer == layer && !parallel && c.Kind != ResidualComponents.ComponentKind.Mlp))
            .Select(c => new Contribution(c.Source, FrozenNorm.Dot(ln2.Map(c.Vector), wIn))).ToList();
        double biasTerm = FrozenNorm.Dot(ln2.Bias(), wIn) + (input.Bias is { } inBias ? inBias.ContiguousData().Span[index] : 0f);
        sources.Add(new Contribution($"L{layer}.ln2.bias+mlp.in.bias", biasTerm));
        double pre = hooks.Cached[HookNames.MlpPre(layer)].ContiguousData().Span[t * width + index];
        double post = hooks.Cached[HookNames.MlpPost(layer)].ContiguousData().Span[t * width + index];

        var wOut = output.Weight.ContiguousData().Span;                          // [D, d_mlp]
        var written = new double[d];
        for (int i = 0; i < d; i++) written[i] = post * wOut[i * width + index];
        var mapped = finalNorm.Map(written);
        var effects = new List<Contribution>();
        foreach (var s in top) effects.Add(new Contribution(s.Token, FrozenNorm.Dot(mapped, unembed.Span.Slice(s.Id * d, d))));
        return new NeuronTrace(layer, index, pre, post, sources, sources.Sum(s => s.Value), effects);
    }

    private static List<TokenScore> TopTokens(float[] logits, ITokenizer tokenizer)
    {
        double max = logits.Max(), z = logits.Sum(v => Math.Exp(v - max));
        return [.. Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(TopK)
            .Select(i => new TokenScore(i, tokenizer.TokenText(i), logits[i], Math.Exp(logits[i] - max) / z))];
    }

    private static List<AttendedToken> TopAttended(HookScope hooks, int layer, int head, int t, string[] tokens)
    {
        var pattern = hooks.Cached[HookNames.AttnPattern(layer)].ContiguousData();   // [1, H, T, T]
        int tk = pattern.Shape[3];
        var row = pattern.Span.Slice((head * pattern.Shape[2] + t) * tk, tk).ToArray();
        return [.. Enumerable.Range(0, tk).OrderByDescending(i => row[i]).Take(TopSources).Select(i => new AttendedToken(i, tokens[i], row[i]))];
    }

    private static double Norm(ReadOnlySpan<float> v)
    {
        double s = 0;
        foreach (var x in v) s += (double)x * x;
        return Math.Sqrt(s);
    }
}
