using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;
using Interrogate.Tests.Analysis.Verdicts;

namespace Interrogate.Tests.Features;

/// <summary>
/// Ground truth for dictionary features: a direction planted in the residual stream whose strength varies with
/// context, not with the current token. A synthetic language of 32 tokens in windows of 32: each window has a
/// "mood" m ~ U(0, 1); triggers (ids 0–3) fall at rate 0.5·m, so how many have been seen tells the mood. The base
/// model is trained on text where concept tokens (24–31) fall at a fixed 12 %; the rule text makes them fall at rate
/// 0.02 + 0.7·m, which the base model never saw. One neuron added to block 1's MLP, whose output column is fixed to
/// <see cref="Scale"/>·u (u: the unit direction toward the concept tokens' unembedding rows), has only its input row
/// and bias trained on the rule: it can only help by firing where the context (triggers and concepts seen so far)
/// says the mood is high, whatever the current token.
/// </summary>
internal static class PlantedFeatureKit
{
    public const int Vocab = 32, Context = 32, Width = 64, Planted = Width;
    public const float Scale = 8f;
    public static readonly string Hook = HookNames.ResidPost(1);
    private static readonly Lazy<Gpt2Model> Base = new(() => PlantedModels.TrainBase(Vocab, Context, Width, 200, n => Text(n, rule: false, 12)));

    public static bool IsConcept(int id) => id >= 24;

    /// <summary>[n] tokens in windows of <see cref="Context"/>, each window with its own mood.</summary>
    public static int[] Text(int n, bool rule, ulong seed)
    {
        var rng = new TensorRandom(seed);
        var ids = new int[n];
        double mood = 0;
        for (int i = 0; i < n; i++)
        {
            if (i % Context == 0) mood = rng.NextDouble();
            int prev = i % Context > 0 ? ids[i - 1] : 4;
            double concept = rule ? 0.02 + 0.7 * mood : 0.12;
            if (rng.NextDouble() < concept) ids[i] = 24 + rng.NextInt(8);
            else if (rng.NextDouble() < 0.5 * mood) ids[i] = rng.NextInt(4);
            else if (prev is >= 4 and < 24 && rng.NextDouble() < 0.5) ids[i] = 4 + (prev - 3) % 20;
            else ids[i] = 4 + rng.NextInt(20);
        }
        return ids;
    }

    /// <summary>The unit direction the planted neuron writes (the normalised sum of the concept tokens' unembedding rows).</summary>
    public static float[] Direction(CausalLanguageModel model)
    {
        var unembed = model.UnembedWeight.ContiguousData().Span;   // [V, D]
        int d = model.Dimensions.DModel;
        var toward = new float[d];
        for (int id = 24; id < Vocab; id++) for (int k = 0; k < d; k++) toward[k] += unembed[id * d + k];
        float norm = MathF.Sqrt(toward.Sum(v => v * v));
        return [.. toward.Select(v => v / norm)];
    }

    /// <summary>The base model with one more neuron in block 1's MLP, trained on the rule (its output column fixed).</summary>
    public static Gpt2Model WithPlanted(ulong seed, int steps = 300)
    {
        var model = PlantedModels.Widen(Base.Value, Width, 1, seed);
        var mlp = (DenseMlp)model.Blocks[1].Mlp;
        var u = Direction(model);
        int d = u.Length;
        for (int k = 0; k < d; k++) mlp.Out.Weight.Span[k * (Width + 1) + Planted] = Scale * u[k];
        foreach (var p in model.Parameters()) p.RequiresGrad = false;
        Tensor[] trained = [mlp.In.Weight, mlp.In.Bias!];
        foreach (var p in trained) p.RequiresGrad = true;
        var optimizer = new AdamW(trained.Select((p, i) => ($"p{i}", p)), 0.02f, weightDecay: 0);
        var text = Text(steps * 8 * Context, rule: true, seed + 500);
        for (int step = 0; step < steps; step++)
        {
            var batch = new TokenBatch(text[(step * 8 * Context)..((step + 1) * 8 * Context)], 8, Context);
            using (var tape = new GradientTape()) tape.Backward(CausalLanguageModel.NextTokenLoss(model.Forward(batch), batch));
            var gw = mlp.In.Weight.Grad!.Span;
            for (int i = 0; i < gw.Length; i++) if (i / d != Planted) gw[i] = 0;
            var gb = mlp.In.Bias!.Grad!.Span;
            for (int i = 0; i < gb.Length; i++) if (i != Planted) gb[i] = 0;
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        foreach (var p in model.Parameters()) { p.RequiresGrad = false; p.Grad = null; }
        return model;
    }
}
