using Interrogate.Analysis.Ablation;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Patching;

/// <summary>Which run receives the other run's activations.</summary>
public enum PatchDirection
{
    /// <summary>Clean activations into the corrupted run ("denoising"): does this neuron restore the clean behaviour?</summary>
    CleanIntoCorrupted,
    /// <summary>Corrupted activations into the clean run ("noising"): does this neuron alone break it?</summary>
    CorruptedIntoClean,
}

/// <summary>One patched neuron set: its score and the fraction of the clean−corrupted gap it accounts for.</summary>
/// <param name="Neurons">The patched neurons.</param>
/// <param name="Score">The metric of the patched run.</param>
/// <param name="RecoveredFraction">
/// CleanIntoCorrupted: (patched − corrupted) / (clean − corrupted), 1 = fully restored.
/// CorruptedIntoClean: (clean − patched) / (clean − corrupted), 1 = fully broken. NaN when clean = corrupted.
/// </param>
public sealed record PatchedSet(IReadOnlyList<UnitRef> Neurons, double Score, double RecoveredFraction);

/// <summary>Scores of the two unpatched runs and of every patched set.</summary>
public sealed record PatchingResult(string Metric, PatchDirection Direction, double CleanScore, double CorruptedScore, IReadOnlyList<PatchedSet> Sets);

/// <summary>
/// Activation patching at the granularity of single MLP neurons (Python toolkits patch whole
/// layers or heads): run the donor prompt once, then run the receiving prompt with chosen neurons
/// overwritten by the donor's values at every position. Many sets share one forward pass, one batch
/// row per set, so sweeping all 512 neurons of a layer costs 512/batch forwards of a short prompt.
/// </summary>
public static class NeuronPatching
{
    /// <param name="model">The model.</param>
    /// <param name="clean">[T] token ids of the clean prompt.</param>
    /// <param name="corrupted">[T] token ids of the corrupted prompt; must have the same length.</param>
    /// <param name="metric">How a run is scored.</param>
    /// <param name="sets">Neuron sets to patch, each on its own.</param>
    /// <param name="direction">Which run receives.</param>
    /// <param name="batchSize">Sets per forward pass.</param>
    public static PatchingResult Patch(CausalLanguageModel model, int[] clean, int[] corrupted, PatchingMetric metric,
        IReadOnlyList<IReadOnlyList<UnitRef>> sets, PatchDirection direction = PatchDirection.CleanIntoCorrupted, int batchSize = 32)
    {
        if (clean.Length != corrupted.Length)
            throw new InputException($"clean and corrupted prompts must have the same number of tokens ({clean.Length} vs {corrupted.Length}); reword one of them");
        if (clean.Length == 0) throw new InputException("the prompts are empty");
        int length = clean.Length, position = metric.Resolve(length);
        var hooks = sets.SelectMany(s => s.Select(n => n.Hook)).Distinct().ToArray();
        using var _ = GradientTape.NoGrad();
        var (cleanScore, cleanActs) = Run(model, clean, metric, position, hooks);
        var (corruptScore, corruptActs) = Run(model, corrupted, metric, position, hooks);
        var (receiver, donorActs) = direction == PatchDirection.CleanIntoCorrupted ? (corrupted, cleanActs) : (clean, corruptActs);
        double gap = cleanScore - corruptScore;
        var results = new List<PatchedSet>(sets.Count);
        for (int start = 0; start < sets.Count; start += batchSize)
        {
            int b = Math.Min(batchSize, sets.Count - start);
            var ids = new int[b * length];
            for (int i = 0; i < b; i++) receiver.CopyTo(ids, i * length);
            using var scope = new HookScope();
            foreach (var hook in hooks) scope.Edit(hook, a => PatchRows(a, donorActs[hook], sets, start, b, hook));
            var logits = model.Forward(new TokenBatch(ids, b, length)).ContiguousData();   // [b, T, V]
            int v = logits.Shape[2];
            for (int i = 0; i < b; i++)
            {
                double score = metric.Score(logits.Span.Slice((i * length + position) * v, v));
                double fraction = direction == PatchDirection.CleanIntoCorrupted ? (score - corruptScore) / gap : (cleanScore - score) / gap;
                results.Add(new PatchedSet(sets[start + i], score, gap == 0 ? double.NaN : fraction));
            }
        }
        return new PatchingResult(metric.Describe, direction, cleanScore, corruptScore, results);
    }

    /// <summary>Patches every neuron of one hook point separately (one set per neuron).</summary>
    public static PatchingResult SweepHook(CausalLanguageModel model, int[] clean, int[] corrupted, PatchingMetric metric, string hook,
        PatchDirection direction = PatchDirection.CleanIntoCorrupted, int batchSize = 64)
    {
        var shape = model.DescribeHookPoints(1, 1).FirstOrDefault(h => h.Name == hook).Shape;
        if (shape is null || shape.Length != 3) throw new InputException($"--hook {hook}: not a [batch, position, width] hook point of this model");
        var sets = Enumerable.Range(0, shape[2]).Select(n => (IReadOnlyList<UnitRef>)[new UnitRef(hook, n)]).ToList();
        return Patch(model, clean, corrupted, metric, sets, direction, batchSize);
    }

    private static (double Score, Dictionary<string, Tensor> Acts) Run(CausalLanguageModel model, int[] ids, PatchingMetric metric, int position, string[] hooks)
    {
        using var scope = new HookScope().Cache(hooks);
        var logits = model.Forward(ids).ContiguousData();   // [1, T, V]
        int v = logits.Shape[2];
        foreach (var hook in hooks)
            if (!scope.Cached.ContainsKey(hook)) throw new InputException($"--hook {hook}: this model has no such hook point; `interrogate hooks` lists them");
        return (metric.Score(logits.Span.Slice(position * v, v)), scope.Cached.ToDictionary(kv => kv.Key, kv => kv.Value.Clone()));
    }

    /// <summary>activation: [b, T, width]; row i gets the donor's [1, T, width] values at the neurons of set start+i on this hook.</summary>
    private static Tensor PatchRows(Tensor activation, Tensor donor, IReadOnlyList<IReadOnlyList<UnitRef>> sets, int start, int b, string hook)
    {
        var copy = activation.Clone();
        var data = copy.Span;
        var from = donor.ContiguousData().Span;
        int t = copy.Shape[1], width = copy.Shape[2];
        for (int i = 0; i < b; i++)
            foreach (var n in sets[start + i])
            {
                if (n.Hook != hook) continue;
                if ((uint)n.Index >= (uint)width) throw new InputException($"neuron {n.Index} is out of range: {hook} has {width} neurons (0..{width - 1})");
                for (int p = 0; p < t; p++) data[(i * t + p) * width + n.Index] = from[p * width + n.Index];
            }
        return copy;
    }
}
