using Interrogate.Analysis.Trace;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;
using Interrogate.Server.Catalog;
using Interrogate.Text;

namespace Interrogate.Server.Api;

/// <summary>A trace request: text, the position traced (negative from the end), an optional neuron "L.N", and which model.</summary>
public sealed record TraceRequest(string? Text, int? Position, string? Neuron, string? Model);

/// <summary>An attention request: the same text and model, and the head whose full pattern is wanted.</summary>
public sealed record AttentionRequest(string? Text, string? Model, int Layer, int Head);

/// <summary>
/// POST /api/trace and /api/attention: the trace explorer's computation, on the loaded model with the
/// library's <see cref="PredictionTracer"/>. Text longer than the model's context is traced on its
/// last context-length tokens (the response says so); longer than the configured caps is refused.
/// </summary>
internal static class TraceApi
{
    private const int Distribution = 20;

    public static object Trace(ViewerState state, TraceRequest request)
    {
        var entry = Model(state, request.Model);
        var (model, tokenizer) = entry.Load();
        var (ids, dropped) = Tokens(state, model, tokenizer, request.Text);
        var neuron = request.Neuron is { Length: > 0 } spec ? ParseNeuron(spec) : ((int, int)?)null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        lock (entry.Gate)
        {
            var result = PredictionTracer.Trace(model, tokenizer, ids, request.Position ?? -1, neuron);
            var distribution = NextTokens(model, tokenizer, ids, result.Position);
            var (text, raw) = TokenDisplay.Render(tokenizer, ids);
            return new
            {
                model = entry.Id,
                model_name = entry.Name,
                dropped_tokens = dropped,
                tokens = text,
                raw,
                ids,
                position = result.Position,
                layers = model.Blocks.Count,
                heads = model.Blocks.Count == 0 ? 0 : model.Blocks[0].Attn.Heads,
                distribution,
                trace = result,
                milliseconds = clock.Elapsed.TotalMilliseconds,
            };
        }
    }

    /// <summary>One head's full attention pattern [T, T] (row = query), quantized to bytes 0..255 and base64-encoded.</summary>
    public static object Attention(ViewerState state, AttentionRequest request)
    {
        var entry = Model(state, request.Model);
        var (model, tokenizer) = entry.Load();
        var (ids, _) = Tokens(state, model, tokenizer, request.Text);
        if (request.Layer < 0 || request.Layer >= model.Blocks.Count) throw new RequestException(400, $"layer: {request.Layer} is outside the model's {model.Blocks.Count} layers");
        int heads = model.Blocks[request.Layer].Attn.Heads;
        if (request.Head < 0 || request.Head >= heads) throw new RequestException(400, $"head: {request.Head} is outside layer {request.Layer}'s {heads} heads");
        var name = HookNames.AttnPattern(request.Layer);
        lock (entry.Gate)
        {
            using var hooks = new HookScope().Cache(name);
            using (GradientTape.NoGrad()) model.Forward(ids);
            var pattern = hooks.Cached[name].ContiguousData();     // [1, H, T, T]
            int t = ids.Length;
            var bytes = new byte[t * t];
            var span = pattern.Span.Slice(request.Head * t * t, t * t);
            for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)Math.Clamp(MathF.Round(span[i] * 255f), 0f, 255f);
            return new { layer = request.Layer, head = request.Head, tokens = t, scale = 255, pattern = Convert.ToBase64String(bytes) };
        }
    }

    private static ModelCatalog.Entry Model(ViewerState state, string? id) =>
        state.Models.Find(id) ?? throw new RequestException(404, id is null ? "no model: start the viewer with --model DIR" : $"model: no model '{id}'");

    /// <summary>The text's ids, its last context-length tokens when longer; refused past the caps.</summary>
    private static (int[] Ids, int Dropped) Tokens(ViewerState state, CausalLanguageModel model, ITokenizer tokenizer, string? text)
    {
        if (string.IsNullOrEmpty(text)) throw new RequestException(400, "text: empty; type some text to trace");
        if (text.Length > state.Options.MaxTraceCharacters)
            throw new RequestException(413, $"text: {text.Length:N0} characters, more than the limit of {state.Options.MaxTraceCharacters:N0}");
        var ids = tokenizer.Encode(text);
        if (ids.Length == 0) throw new RequestException(400, "text: has no tokens");
        if (ids.Length > state.Options.MaxTraceTokens)
            throw new RequestException(413, $"text: {ids.Length:N0} tokens, more than the limit of {state.Options.MaxTraceTokens:N0}");
        int context = model.Dimensions.ContextLength;
        return ids.Length <= context ? (ids, 0) : (ids[^context..], ids.Length - context);
    }

    private static (int, int) ParseNeuron(string spec) =>
        UnitIndex.ParseId(spec) is { } u && UnitIndex.Label(u.Hook, u.Neuron) is var label && label.StartsWith('L')
            ? (int.Parse(label[1..label.IndexOf('.', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture), u.Neuron)
            : throw new RequestException(400, $"neuron: expected LAYER.INDEX such as 2.317 or L2.N317, got '{spec}'");

    /// <summary>The next-token distribution at the traced position: the most likely tokens and the entropy, from one forward pass.</summary>
    private static object NextTokens(CausalLanguageModel model, ITokenizer tokenizer, int[] ids, int position)
    {
        int v = model.Dimensions.VocabSize;
        float[] logits;
        using (GradientTape.NoGrad()) logits = model.Forward(ids).ContiguousData().Span.Slice(position * v, v).ToArray();
        double max = logits.Max(), z = logits.Sum(x => Math.Exp(x - max));
        double entropy = -logits.Sum(x => { double p = Math.Exp(x - max) / z; return p > 0 ? p * Math.Log(p) : 0; });
        var top = Enumerable.Range(0, v).OrderByDescending(i => logits[i]).Take(Distribution).ToArray();
        return new
        {
            entropy,
            top = top.Select(id => new { id, token = TokenDisplay.One(tokenizer, id), logit = logits[id], probability = Math.Exp(logits[id] - max) / z }),
        };
    }
}
