using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;

namespace Interrogate.Tests.Analysis.Verdicts;

/// <summary>
/// The small GPT-2s the planted-unit kits build: a 2-block base model trained on a kit's text, and a copy whose
/// block-1 MLP has extra neurons (fresh small input weights, zero output weights) for a kit to train or set.
/// </summary>
internal static class PlantedModels
{
    /// <summary>A 2-block, d 32 model trained for <paramref name="steps"/> steps of 8 windows of <paramref name="context"/> tokens of <paramref name="text"/>(n), then frozen.</summary>
    public static Gpt2Model TrainBase(int vocab, int context, int width, int steps, Func<int, int[]> text)
    {
        var config = new Gpt2Config { VocabSize = vocab, ContextLength = context, DModel = 32, Layers = 2, Heads = 4, Inner = width, Activation = "gelu_new" };
        var model = new Gpt2Model(config, seed: 11);
        var optimizer = new AdamW(model.NamedParameters(), 0.01f, weightDecay: 0);
        var tokens = text(steps * 8 * context);
        for (int step = 0; step < steps; step++)
        {
            var batch = new TokenBatch(tokens[(step * 8 * context)..((step + 1) * 8 * context)], 8, context);
            using (var tape = new GradientTape()) tape.Backward(CausalLanguageModel.NextTokenLoss(model.Forward(batch), batch));
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        foreach (var p in model.Parameters()) { p.RequiresGrad = false; p.Grad = null; }
        return model;
    }

    /// <summary>A copy of <paramref name="source"/> (MLP width <paramref name="width"/>) whose block-1 MLP has <paramref name="added"/> more neurons.</summary>
    public static Gpt2Model Widen(Gpt2Model source, int width, int added, ulong seed)
    {
        var config = source.Config with { Inner = null, InnerPerLayer = [width, width + added] };
        var model = new Gpt2Model(config, seed);
        var from = source.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor);
        foreach (var (name, p) in model.NamedParameters())
        {
            var src = from[name].ContiguousData().Span;
            var dst = p.Span;
            if (p.Size == src.Length) { src.CopyTo(dst); continue; }
            // blocks.1.mlp: in.weight [W+a, D] and in.bias [W+a] keep their first W rows; out.weight [D, W+a] its first W columns.
            if (name.EndsWith("out.weight", StringComparison.Ordinal))
            {
                int d = p.Shape[0];
                for (int i = 0; i < d; i++)
                {
                    src.Slice(i * width, width).CopyTo(dst.Slice(i * (width + added), width));
                    dst.Slice(i * (width + added) + width, added).Clear();
                }
            }
            else src.CopyTo(dst);   // the new rows keep the fresh model's small random initialisation
        }
        return model;
    }
}
