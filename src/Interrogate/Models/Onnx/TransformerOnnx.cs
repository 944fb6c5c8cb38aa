using Interrogate.Formats.Onnx;
using Interrogate.Models.Transformer;
using static Interrogate.Formats.Onnx.OnnxAttribute;

namespace Interrogate.Models.Onnx;

/// <summary>
/// A <see cref="CausalLanguageModel"/> as an ONNX graph: input <c>input_ids</c> int64 [batch, sequence]
/// (unpadded rows, positions 0 … sequence − 1), output <c>logits</c> float [batch, sequence, V], plus
/// the requested hook points. The graph is written by walking the module tree — embedding, each block's
/// norms, attention and MLP with their options, final norm — so every family exports through this one path.
/// </summary>
internal static class TransformerOnnx
{
    public static IReadOnlyList<string> Write(OnnxGraph graph, CausalLanguageModel model, IEnumerable<string> hooks)
    {
        var w = new OnnxModuleWriter(graph, model, hooks);
        var dims = model.Dimensions;
        var ids = graph.Int64Input("input_ids", "batch", "sequence");
        var sequence = new SequenceTensors(w, ids);
        var x = w.Node("Gather", [w.Parameter(model.Embed.Weight), ids]);                   // [B, T, D]
        if (model.EmbeddingScale is { } scale) x = w.Node("Mul", [x, graph.Scalar(scale)]);
        x = w.Hook(model.HookEmbed, x);
        if (model.PosEmbed is not null)
        {
            var positions = w.Node("Gather", [w.Parameter(model.PosEmbed.Weight), sequence.Positions]);   // [T, D]
            if (model.HookPosEmbed is { } hook) w.Hook(hook, w.Node("Expand", [positions, w.Node("Shape", [x])]));
            x = w.Node("Add", [x, positions]);
        }
        foreach (var block in model.Blocks) x = Block(w, block, sequence, x);
        x = w.Norm(model.LnFinal, x);                                                          // [B, T, D]
        var logits = Unembed(w, model, sequence, x);                                           // [B, T, V]
        if (model.FinalSoftCap is { } cap)
            logits = w.Node("Mul", [w.Node("Tanh", [w.Node("Mul", [logits, graph.Scalar(1f / cap)])]), graph.Scalar(cap)]);
        graph.FloatOutput("logits", logits, ["batch", "sequence", (long)dims.VocabSize]);
        return w.Exported;
    }

    /// <summary>As <see cref="TransformerBlock.Forward"/>: x [B, T, D] → [B, T, D].</summary>
    private static string Block(OnnxModuleWriter w, TransformerBlock block, SequenceTensors sequence, string x)
    {
        x = w.Hook(block.HookResidPre, x);
        var attnOut = AttentionOnnx.Write(w, block.Attn, sequence, w.Norm(block.Ln1, x));
        attnOut = w.Hook(block.HookAttnOut, block.Ln1Post is { } post1 ? w.Norm(post1, attnOut) : attnOut);
        var mid = block.ParallelResidual ? x : w.Hook(block.HookResidMid!, w.Node("Add", [x, attnOut]));
        var mlpOut = FeedForward(w, block.Mlp, w.Norm(block.Ln2, mid));
        mlpOut = w.Hook(block.HookMlpOut, block.Ln2Post is { } post2 ? w.Norm(post2, mlpOut) : mlpOut);
        var sum = block.ParallelResidual ? w.Node("Add", [x, w.Node("Add", [attnOut, mlpOut])]) : w.Node("Add", [mid, mlpOut]);
        return w.Hook(block.HookResidPost, sum);
    }

    private static string FeedForward(OnnxModuleWriter w, FeedForward mlp, string x) => mlp switch
    {
        DenseMlp dense => w.Linear(dense.Out, w.Hook(mlp.HookPost, w.Activate(mlp.ActivationName, w.Hook(mlp.HookPre, w.Linear(dense.In, x))))),
        GatedMlp gated => w.Linear(gated.Down, w.Hook(mlp.HookPost, w.Node("Mul", [
            w.Activate(mlp.ActivationName, w.Hook(mlp.HookPre, w.Linear(gated.Gate, x))),
            w.Hook(gated.HookPreLinear, w.Linear(gated.Up, x))]))),
        _ => throw new NotSupportedException($"no ONNX export for {mlp.GetType().Name}"),
    };

    /// <summary>
    /// x [B, T, D] → logits [B, T, V]. A separate output matrix is stored transposed like any Linear; a
    /// tied one is read in place by a Gemm on [B·T, D], so the embedding is not stored twice.
    /// </summary>
    private static string Unembed(OnnxModuleWriter w, CausalLanguageModel model, SequenceTensors sequence, string x)
    {
        if (model.Unembed is { } unembed) return w.Linear(unembed, x);
        var flat = w.Node("Reshape", [x, w.Graph.Int64s([-1, model.Dimensions.DModel])]);     // [B·T, D]
        var logits = w.Gemm(model.Embed.Weight, null, flat);                                   // [B·T, V]
        var shape = w.Node("Concat", [sequence.BatchAndLength, w.Graph.Int64s([model.Dimensions.VocabSize])], Int("axis", 0));
        return w.Node("Reshape", [logits, shape]);
    }
}
