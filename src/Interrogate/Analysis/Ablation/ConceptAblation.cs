using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Ablation;

/// <summary>
/// Evaluation windows for ablation: equal-length token windows and, for every token, whether the
/// concept holds there. Labels[w][t] describes token t of window w; the loss that counts for it is
/// the loss of <em>predicting</em> token t, made at position t−1, so token 0 of a window is never scored.
/// </summary>
/// <param name="Ids">[windows][length] token ids.</param>
/// <param name="Labels">[windows][length] concept labels of the same tokens.</param>
public sealed record EvaluationWindows(int[][] Ids, bool[][] Labels)
{
    public int Count => Ids.Length;
    public int Length => Ids.Length == 0 ? 0 : Ids[0].Length;
}

/// <summary>A named set of neurons ablated together.</summary>
public sealed record NeuronSet(string Name, IReadOnlyList<UnitRef> Neurons);

public sealed record AblationOptions
{
    public AblationMethod Method { get; init; } = AblationMethod.Mean;
    /// <summary>Per-neuron replacement for <see cref="AblationMethod.Mean"/> (e.g. the store's running mean).</summary>
    public Func<UnitRef, float>? Means { get; init; }
    /// <summary>Windows per forward pass.</summary>
    public int BatchSize { get; init; } = 16;
    /// <summary>Picks the donor pairing of resample-ablation.</summary>
    public ulong Seed { get; init; }
}

/// <summary>
/// What ablating one neuron set did to next-token loss, split by whether the predicted token is a
/// concept token. Deltas are mean(ablated loss − clean loss) in nats over the predicted tokens of
/// each kind. Specificity = ConceptDelta / max(ControlDelta, <see cref="ConceptAblation.SpecificityFloor"/>):
/// the floor keeps a near-zero or negative control effect from turning the ratio meaningless.
/// </summary>
public sealed record AblationEffect(string Name, IReadOnlyList<UnitRef> Neurons, double ConceptDelta, double ControlDelta,
    double Specificity, double CleanConceptLoss, double CleanControlLoss, long ConceptTargets, long ControlTargets);

/// <summary>
/// Ablates neuron sets and measures the change of next-token loss on concept vs control tokens.
/// Per batch of windows the clean forward runs once (its losses and, for resampling, its
/// activations are shared by every set), then one forward per set. Memory is one batch's logits.
/// </summary>
public static class ConceptAblation
{
    /// <summary>Smallest control effect (nats) a specificity ratio divides by.</summary>
    public const double SpecificityFloor = 1e-4;

    public static IReadOnlyList<AblationEffect> Measure(CausalLanguageModel model, EvaluationWindows windows, IReadOnlyList<NeuronSet> sets,
        AblationOptions? options = null, Action<double>? progress = null)
    {
        options ??= new AblationOptions();
        Validate(windows, options);
        int n = windows.Count, length = windows.Length;
        var conceptSum = new double[sets.Count];
        var controlSum = new double[sets.Count];
        double cleanConcept = 0, cleanControl = 0;
        long concepts = 0, controls = 0;
        var hooks = sets.SelectMany(s => s.Neurons.Select(x => x.Hook)).Distinct().ToArray();
        var rng = new TensorRandom(options.Seed);
        Dictionary<string, Tensor>? previousClean = null;
        using var _ = GradientTape.NoGrad();
        for (int start = 0; start < n; start += options.BatchSize)
        {
            int b = Math.Min(options.BatchSize, n - start);
            var ids = new int[b * length];
            for (int i = 0; i < b; i++) windows.Ids[start + i].CopyTo(ids, i * length);
            var batch = new TokenBatch(ids, b, length);
            Dictionary<string, Tensor> clean;
            float[] cleanLoss;
            using (var scope = new HookScope().Cache(options.Method == AblationMethod.Resample ? hooks : []))
            {
                cleanLoss = TokenLosses.NextToken(model.Forward(batch), ids);   // [b, length−1]
                clean = scope.Cached.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
            }
            var isConcept = TargetLabels(windows, start, b);
            for (int k = 0; k < cleanLoss.Length; k++)
                if (isConcept[k]) { cleanConcept += cleanLoss[k]; concepts++; } else { cleanControl += cleanLoss[k]; controls++; }
            var donors = options.Method == AblationMethod.Resample ? Donors(clean, previousClean, b, rng) : null;
            for (int s = 0; s < sets.Count; s++)
            {
                using var scope = new HookScope();
                if (donors is not null) NeuronEdits.CopyFrom(scope, sets[s].Neurons, donors);
                else NeuronEdits.SetConstant(scope, sets[s].Neurons, options.Method == AblationMethod.Zero ? _ => 0f : options.Means!);
                var loss = TokenLosses.NextToken(model.Forward(batch), ids);
                for (int k = 0; k < loss.Length; k++)
                    if (isConcept[k]) conceptSum[s] += loss[k] - cleanLoss[k]; else controlSum[s] += loss[k] - cleanLoss[k];
                progress?.Invoke((start + (s + 1.0) / sets.Count * b) / n);
            }
            previousClean = clean;
        }
        return [.. sets.Select((set, s) =>
        {
            double concept = concepts == 0 ? double.NaN : conceptSum[s] / concepts;
            double control = controls == 0 ? double.NaN : controlSum[s] / controls;
            return new AblationEffect(set.Name, set.Neurons, concept, control, concept / Math.Max(control, SpecificityFloor),
                concepts == 0 ? double.NaN : cleanConcept / concepts, controls == 0 ? double.NaN : cleanControl / controls, concepts, controls);
        })];
    }

    private static void Validate(EvaluationWindows windows, AblationOptions options)
    {
        if (windows.Count == 0 || windows.Length < 2) throw new InputException("ablation needs at least one evaluation window of 2 or more tokens");
        for (int w = 0; w < windows.Count; w++)
            if (windows.Ids[w].Length != windows.Length || windows.Labels[w].Length != windows.Length)
                throw new ArgumentException($"evaluation window {w} has {windows.Ids[w].Length} ids and {windows.Labels[w].Length} labels; every window needs {windows.Length} of each");
        if (options.BatchSize < 1) throw new ArgumentException("ablation batch size must be at least 1");
        if (options.Method == AblationMethod.Mean && options.Means is null) throw new ArgumentException("mean-ablation needs the neurons' means");
        if (options.Method == AblationMethod.Resample && (windows.Count < 2 || options.BatchSize < 2))
            throw new InputException("resample-ablation needs at least 2 evaluation windows and a batch of at least 2 (donors come from other windows)");
    }

    /// <summary>[b·(length−1)]: whether the token predicted at each scored position is a concept token.</summary>
    private static bool[] TargetLabels(EvaluationWindows windows, int start, int b)
    {
        int length = windows.Length;
        var result = new bool[b * (length - 1)];
        for (int i = 0; i < b; i++)
            for (int t = 1; t < length; t++) result[i * (length - 1) + t - 1] = windows.Labels[start + i][t];
        return result;
    }

    /// <summary>
    /// Per hook a [b, T, width] donor: row i takes the clean activations of row (i + shift) mod b for a
    /// random shift in 1..b−1, so no window is its own donor; a batch of one borrows the previous batch's first row.
    /// </summary>
    private static Dictionary<string, Tensor> Donors(Dictionary<string, Tensor> clean, Dictionary<string, Tensor>? previous, int b, TensorRandom rng)
    {
        var donors = new Dictionary<string, Tensor>();
        int shift = b > 1 ? 1 + rng.NextInt(b - 1) : 0;
        foreach (var (hook, act) in clean)
        {
            var source = b > 1 ? act : previous![hook];
            int rowSize = act.Size / b;
            var data = new float[act.Size];
            var from = source.ContiguousData().Span;
            for (int i = 0; i < b; i++) from.Slice(b > 1 ? (i + shift) % b * rowSize : 0, rowSize).CopyTo(data.AsSpan(i * rowSize));
            donors[hook] = new Tensor(data, act.Shape);
        }
        return donors;
    }
}
