using Interrogate.Analysis.Verdicts;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;

namespace Interrogate.Tests.Analysis.Verdicts;

/// <summary>
/// Ground truth for the verdicts. A synthetic language of 32 tokens: ids 24–31 are the concept
/// ("capitals"). The base model is trained on text where concept tokens fall at random; the study's
/// text follows a rule it never saw: after a trigger (ids 0–3) comes a concept token 90% of the time.
/// A neuron added to the last MLP and trained alone (everything else frozen) learns the rule, so it is
/// a predictor the model uses; its twin reads the same input with zero output weights.
/// </summary>
internal static class PlantedKit
{
    public const int Vocab = 32, Context = 32, Width = 160, Planted = Width, Twin = Width + 1;
    public static readonly string Hook = HookNames.MlpPost(1);
    private static readonly Lazy<Gpt2Model> Base = new(() => PlantedModels.TrainBase(Vocab, Context, Width, 150, n => Text(n, rule: false, 12)));

    public static bool IsConcept(int id) => id >= 24;

    /// <summary>
    /// [n] tokens. Ordinary tokens (4–23) follow a chain (the next one, half the time), so the base model must
    /// carry the current token forward; triggers (0–3) fall 15% of the time. With the rule a trigger is followed
    /// by a concept token 90% of the time; without it concept tokens fall at random (12%).
    /// </summary>
    public static int[] Text(int n, bool rule, ulong seed)
    {
        var rng = new TensorRandom(seed);
        var ids = new int[n];
        for (int i = 0; i < n; i++)
        {
            int prev = i > 0 ? ids[i - 1] : 4;
            double u = rng.NextDouble();
            if (rule ? prev < 4 && u < 0.9 : u < 0.12) ids[i] = 24 + rng.NextInt(8);
            else if (rng.NextDouble() < 0.15) ids[i] = rng.NextInt(4);
            else if (prev is >= 4 and < 24 && rng.NextDouble() < 0.5) ids[i] = 4 + (prev - 3) % 20;
            else ids[i] = 4 + rng.NextInt(20);
        }
        return ids;
    }

    /// <summary>The base model with two more neurons in block 1's MLP: the planted one trained on the rule, and its unused twin.</summary>
    public static Gpt2Model WithPlanted(ulong seed, int steps = 120)
    {
        var model = PlantedModels.Widen(Base.Value, Width, 2, seed);
        var mlp = (DenseMlp)model.Blocks[1].Mlp;
        // Start the new neuron writing a little toward the concept tokens' unembedding rows (its input row keeps
        // the fresh N(0, 0.02)): gradient descent then has a direction to grow along. From zero output weights the
        // input row gets no gradient, and from a random one it as often learns the inverse (off before concepts).
        var unembed = model.UnembedWeight.ContiguousData().Span;   // [V, D]
        int dm = mlp.In.Weight.Shape[1];
        var toward = new float[dm];
        for (int id = 24; id < Vocab; id++) for (int k = 0; k < dm; k++) toward[k] += unembed[id * dm + k];
        float norm = MathF.Sqrt(toward.Sum(v => v * v));
        for (int k = 0; k < dm; k++) mlp.Out.Weight.Span[k * (Width + 2) + Planted] = 0.1f * toward[k] / norm;
        foreach (var p in model.Parameters()) p.RequiresGrad = false;
        Tensor[] trained = [mlp.In.Weight, mlp.In.Bias!, mlp.Out.Weight];
        foreach (var p in trained) p.RequiresGrad = true;
        var optimizer = new AdamW(trained.Select((p, i) => ($"p{i}", p)), 0.01f, weightDecay: 0);
        var text = Text(steps * 8 * Context, rule: true, seed + 500);
        for (int step = 0; step < steps; step++)
        {
            var ids = text[(step * 8 * Context)..((step + 1) * 8 * Context)];
            var concept = new int[ids.Length];
            var rest = new int[ids.Length];
            for (int i = 0; i < ids.Length; i++)
            {
                bool last = i % Context == Context - 1;
                concept[i] = !last && IsConcept(ids[i + 1]) ? ids[i + 1] : -100;
                rest[i] = !last && !IsConcept(ids[i + 1]) ? ids[i + 1] : -100;
            }
            using (var tape = new GradientTape())
            {
                var logits = model.Forward(new TokenBatch(ids, 8, Context));
                // Lower the concept tokens' loss without raising the rest's: the rest weighs four times as much.
                tape.Backward(logits.CrossEntropy(concept).Add(logits.CrossEntropy(rest).Mul(4f)));
            }
            KeepOnly(mlp.In.Weight.Grad!, row: Planted, width: 0, columns: false);
            KeepOnly(mlp.In.Bias!.Grad!, Planted);
            KeepOnly(mlp.Out.Weight.Grad!, row: Planted, width: Width + 2, columns: true);
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        foreach (var p in model.Parameters()) { p.RequiresGrad = false; p.Grad = null; }
        // The twin reads exactly what the planted neuron reads and writes nothing.
        int d = mlp.In.Weight.Shape[1];
        for (int k = 0; k < d; k++)
        {
            mlp.In.Weight.Span[Twin * d + k] = mlp.In.Weight.Span[Planted * d + k];
            mlp.Out.Weight.Span[k * (Width + 2) + Twin] = 0;
        }
        mlp.In.Bias!.Span[Twin] = mlp.In.Bias.Span[Planted];
        return model;
    }

    /// <summary>A small study of block 1 on rule text: the top candidate per role and both added neurons, against all other neurons of the layer.</summary>
    public static ConceptStudyResult Study(CausalLanguageModel model, int[] tokens, bool[] labels, ulong seed, NullMode mode = NullMode.Auto, int? nullWindows = null) =>
        ConceptNeuronStudy.Run(model, "planted", tokens, labels, "planted-concept", "synthetic", i => $" t{i}", new ConceptStudyOptions
        {
            Hooks = [Hook],
            Top = 1,
            Include = [new UnitRef(Hook, Planted), new UnitRef(Hook, Twin)],
            RankTokens = 4096,
            MinPredictions = 400,
            RandomNeurons = 150,
            RandomSets = 20,
            ProbeTokens = 600,
            ProbeKs = [1, 2],
            EvidenceSamples = 50,
            Seed = seed,
            Null = mode,
            NullWindows = nullWindows,
        });

    /// <summary>Zeroes every gradient entry but the planted neuron's (a row of In, an entry of the bias, a column of Out).</summary>
    private static void KeepOnly(Tensor grad, int row, int width, bool columns)
    {
        var g = grad.Span;
        if (columns)
        {
            for (int i = 0; i < g.Length; i++) if (i % width != row) g[i] = 0;
        }
        else
        {
            int d = g.Length / (Width + 2);
            for (int i = 0; i < g.Length; i++) if (i / d != row) g[i] = 0;
        }
    }

    private static void KeepOnly(Tensor grad, int index)
    {
        var g = grad.Span;
        for (int i = 0; i < g.Length; i++) if (i != index) g[i] = 0;
    }
}
