using Interrogate.Features;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;

namespace Interrogate.Subjects;

/// <summary>
/// A language model whose layer of units is a sparse dictionary's features (an autoencoder on one hook,
/// or a transcoder from one hook to another). Unit f's activation is the feature's code; its outgoing
/// "linear" holds the decoder, [OutputWidth, Latents] (column f = W_dec[f]) with b_dec as its bias, so
/// redundancy folds merges into decoder columns exactly as it folds neurons into W_out. Evaluations
/// keep the dictionary's reconstruction error: the output hook becomes x + (x̂′ − x̂), where x̂ decodes
/// the codes with the original decoder and x̂′ with the current (folded) decoder and any ablated codes,
/// so with nothing folded or ablated the model sees exactly x. The encoder is never changed.
/// Regression, ablation and folding are supported; pruning and fine-tuning a model through its
/// features are not (those members throw an <see cref="InputException"/> naming --units).
/// </summary>
public sealed class FeatureSubject : Subject
{
    private readonly LanguageModelSubject text;
    private readonly float[] originalDecoder, originalBias;   // [OutputWidth, Latents], [OutputWidth]
    private readonly UnitLayer layer;
    private Dictionary<int, float>? ablated;

    /// <param name="dictionary">The features; its hooks must be hook points of the model.</param>
    /// <param name="text">The model with its fit, held-out and evaluation tokens (<see cref="LanguageModelSubject.ForFits"/>).</param>
    public FeatureSubject(SparseDictionary dictionary, LanguageModelSubject text)
    {
        Dictionary = dictionary;
        this.text = text;
        int n = dictionary.Latents, w = dictionary.OutputWidth;
        var rng = new TensorRandom(0);
        var encoder = new Linear(dictionary.InputWidth, n, bias: true, rng);
        dictionary.EncoderWeight.CopyTo(encoder.Weight.Span);
        dictionary.EncoderBias.CopyTo(encoder.Bias!.Span);
        var decoder = new Linear(n, w, bias: true, rng);
        var d = decoder.Weight.Span;
        for (int f = 0; f < n; f++)
            for (int o = 0; o < w; o++) d[o * n + f] = dictionary.DecoderWeight[(long)f * w + o];
        dictionary.DecoderBias.CopyTo(decoder.Bias!.Span);
        originalDecoder = d.ToArray();
        originalBias = [.. dictionary.DecoderBias];
        int index = Math.Max(0, HookNames.LayerOf(dictionary.HookOut));
        layer = new UnitLayer(index, $"features of {dictionary.HookOut}", FeatureHook(dictionary), dictionary.HookIn, [encoder], decoder);
    }

    private FeatureSubject(FeatureSubject features, LanguageModelSubject text)
    {
        Dictionary = features.Dictionary;
        this.text = text;
        (originalDecoder, originalBias, layer) = (features.originalDecoder, features.originalBias, features.layer);
    }

    /// <summary>The same features, sharing this subject's decoder (and so its folds), over other tokens: a confirmation view.</summary>
    public FeatureSubject WithTokens(LanguageModelSubject other) => new(this, other);

    /// <summary>The name feature units go by in reports: "HOOK_OUT.features" (not a hook point of the model).</summary>
    public static string FeatureHook(SparseDictionary dictionary) => dictionary.HookOut + ".features";

    public SparseDictionary Dictionary { get; }
    public override Module Module => text.Model;
    public override IReadOnlyList<UnitLayer> Layers => [layer];
    public override string Unit => "tokens";
    public override string Describe(DataPart part) => text.Describe(part);

    public override SubjectEvaluation Evaluate(DataPart part = DataPart.Evaluation)
    {
        using var scope = new HookScope();
        if (Dictionary.IsTranscoder) scope.Cache(Dictionary.HookIn);
        scope.Edit(Dictionary.HookOut, output => Rewrite(Dictionary.IsTranscoder ? scope.Cached[Dictionary.HookIn] : output, output));
        return text.Evaluate(part);
    }

    public override IDisposable MeanAblate(UnitLayer unitLayer, int[] units, double[] means)
    {
        ablated = units.ToDictionary(f => f, f => (float)means[f]);
        return new Reset(() => ablated = null);
    }

    public override void Stream(DataPart part, ActivationSink sink)
    {
        var windows = (part == DataPart.Calibration ? text.Calibration : text.HeldOut!).Windows(text.Model.Dimensions.ContextLength);
        using var _ = GradientTape.NoGrad();
        int width = Dictionary.InputWidth;
        for (int start = 0; start < windows.Count; start += text.BatchSize)
        {
            var group = windows.Skip(start).Take(text.BatchSize).ToList();
            using var hooks = new HookScope().Cache(Dictionary.HookIn);
            var batch = TokenBatch.Pad(group, PaddingSide.Right);
            text.Model.Forward(batch);
            var data = hooks.Cached[Dictionary.HookIn].ContiguousData().Span;   // [B, T, InputWidth]
            for (int b = 0; b < group.Count; b++)   // real tokens only
            {
                var codes = Dictionary.Encode(data.Slice(b * batch.Length * width, group[b].Length * width), group[b].Length);
                sink(0, codes.ToDense(Dictionary.Latents));   // [T_b, Latents]
            }
        }
    }

    /// <summary>output + Σ_f (a′_f·W′[:, f] − a_f·W[:, f]) + (b′ − b) per row. input: the encoder's hook; output: [.., OutputWidth].</summary>
    private Tensor Rewrite(Tensor input, Tensor output)
    {
        var codes = Dictionary.Encode(input.ContiguousData().Span, (int)(input.Size / Dictionary.InputWidth));
        int n = Dictionary.Latents, w = Dictionary.OutputWidth;
        var folded = layer.OutputWeight.Span;
        var bias = layer.OutputBias!.Span;
        var result = output.ContiguousData().Span.ToArray();
        var active = new Dictionary<int, float>();
        for (int i = 0; i < codes.Rows; i++)
        {
            active.Clear();
            for (int e = codes.RowStart[i]; e < codes.RowStart[i + 1]; e++) active[codes.Index[e]] = codes.Value[e];
            var row = result.AsSpan(i * w, w);
            for (int o = 0; o < w; o++)
            {
                double delta = (double)bias[o] - originalBias[o];
                foreach (var (f, a) in active)
                {
                    float now = ablated is not null && ablated.TryGetValue(f, out var m) ? m : a;
                    delta += (double)now * folded[o * n + f] - (double)a * originalDecoder[o * n + f];
                }
                if (ablated is not null)
                    foreach (var (f, m) in ablated)
                        if (!active.ContainsKey(f)) delta += (double)m * folded[o * n + f];
                if (delta != 0) row[o] += (float)delta;
            }
        }
        return new Tensor(result, (int[])output.Shape.Clone());
    }

    /// <summary>
    /// The dictionary without <paramref name="removed"/> features, with the current (folded) decoder and
    /// decoder bias; when the encoder subtracts b_dec, b_enc absorbs the bias change so every kept
    /// feature's pre-activation is unchanged.
    /// </summary>
    public SparseDictionary Smaller(IReadOnlyCollection<int> removed)
    {
        var d = Dictionary;
        int n = d.Latents, w = d.OutputWidth, input = d.InputWidth;
        var kept = Enumerable.Range(0, n).Where(f => !removed.Contains(f)).ToArray();
        var result = new SparseDictionary(input, w, kept.Length, d.Activation, Math.Min(d.K, kept.Length))
        {
            SubtractDecoderBias = d.SubtractDecoderBias, HookIn = d.HookIn, HookOut = d.HookOut,
        };
        var folded = layer.OutputWeight.Span;
        var bias = layer.OutputBias!.Span;
        bias.CopyTo(result.DecoderBias);
        for (int i = 0; i < kept.Length; i++)
        {
            int f = kept[i];
            Array.Copy(d.EncoderWeight, (long)f * input, result.EncoderWeight, (long)i * input, input);
            double shift = 0;
            if (d.SubtractDecoderBias)
                for (int e = 0; e < input; e++) shift += (double)d.EncoderWeight[(long)f * input + e] * (bias[e] - d.DecoderBias[e]);
            result.EncoderBias[i] = (float)(d.EncoderBias[f] + shift);
            if (d.Threshold.Length > 0) result.Threshold[i] = d.Threshold[f];
            for (int o = 0; o < w; o++) result.DecoderWeight[(long)i * w + o] = folded[o * n + f];
        }
        return result;
    }

    private static InputException NotForFeatures() =>
        new("--units: pruning and fine-tuning run on neurons; with sae:/transcoder: units use `redundancy` (it folds features and saves the smaller dictionary)");

    public override int CalibrationBatchCount => throw NotForFeatures();
    public override (Tensor Loss, int Count) CalibrationLoss(int batch) => throw NotForFeatures();
    public override double[] MeanAblatedLossSums(int unitLayer, int batch, IReadOnlyList<int> units, float[] means) => throw NotForFeatures();
    public override double Throughput() => throw NotForFeatures();
    public override Subject Resized(int[] widths) => throw NotForFeatures();
    public override Subject CalibrationSplit() => throw NotForFeatures();
    public override SubjectBatch TrainingBatch(long step) => throw NotForFeatures();
    public override Tensor Logits(SubjectBatch batch) => throw NotForFeatures();
    public override Tensor TaskLoss(Tensor logits, SubjectBatch batch) => throw NotForFeatures();
    public override Optimizer CreateOptimizer(float learningRate) => throw NotForFeatures();
    public override void Save(string directory, bool perLayerWidths = false) => throw NotForFeatures();

    private sealed class Reset(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
