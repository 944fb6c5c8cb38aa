using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Interrogate.Kernels;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Models.Transformer;

// The block's inference route when nothing watches its insides: the same arithmetic as Forward,
// in the same order (so the same bits), with fewer passes and no fresh allocations. The output
// projections' biases join the residual adds, the MLP's bias joins its activation, the residual
// add joins ln2; intermediates live in pooled arrays (ScratchTensors) that go back when the block
// is done with them. At small shapes (1×128) these fixed per-op costs, not the matrix products,
// were what separated us from PyTorch.
public sealed partial class TransformerBlock
{
    /// <summary>
    /// The dense MLP when this pass may take the fused route: nothing is recorded, the block is a
    /// sequential pre-norm block without post-norms, attention can run on the fused projection, the
    /// activation runs in place, and no hook point of the block is active except mlp.hook_post
    /// (applied as usual). Otherwise null: the ordinary route.
    /// </summary>
    private DenseMlp? FusedMlp(ForwardContext ctx)
    {
        if (GradientTape.IsRecording || ParallelResidual || Ln1Post is not null || Ln2Post is not null) return null;
        if (Mlp is not DenseMlp mlp || !Activation.RunsInPlace(mlp.ActivationName) || !Attn.CanFuse(ctx)) return null;
        if (HookScope.Current is not null && (HookResidPre.IsActive || HookAttnOut.IsActive || HookResidMid!.IsActive
            || HookMlpOut.IsActive || HookResidPost.IsActive || Ln1.HookNormalized.IsActive || Ln2.HookNormalized.IsActive
            || mlp.HookPre.IsActive))
            return null;
        return mlp;
    }

    /// <summary>x: [B, T, D] → [B, T, D], as <see cref="Forward"/>.</summary>
    private Tensor ForwardFused(Tensor x, ForwardContext ctx, DenseMlp mlp)
    {
        x = x.ContiguousData();
        int d = x.Shape[^1], rows = x.Size / d;
        int[] lead = x.Shape[..^1];
        var normed = ScratchTensors.Rent(x.Shape);                                 // ln1(x) [B, T, D]
        ForRows(rows, d, (r0, n) => Ln1.NormalizeRows(x.Storage.AsSpan(x.Offset + r0, n), normed.Storage.AsSpan(r0, n)));

        var qkv = ScratchTensors.Rent([.. lead, Attn.Qkv.OutFeatures]);           // [B, T, (H + 2·Hk)·Dh]
        Ops.LinearInto(normed, Attn.Qkv.Weight, Attn.Qkv.Bias, qkv);
        var z = ScratchTensors.Rent([.. lead, Attn.Heads * Attn.HeadDim]);       // [B, T, H·Dh]
        Ops.CausalSelfAttention(qkv, Attn.Heads, Attn.KeyValueHeads, Attn.HeadDim, Attn.Options.Scale, z);
        ScratchTensors.Return(qkv);
        var mid = ScratchTensors.Rent(x.Shape);                                    // z·W_Oᵀ, then resid_mid [B, T, D]
        Ops.LinearInto(z, Attn.Out.Weight, null, mid);
        ScratchTensors.Return(z);

        // resid_mid = x + (attn + b_O) and ln2 of it, row by row in one pass.
        var outBias = Attn.Out.Bias?.ContiguousData();
        ForRows(rows, d, (r0, n) =>
        {
            var m = mid.Storage.AsSpan(r0, n);
            if (outBias is not null) AddRowwise(m, outBias.Span);
            TensorPrimitives.Add(x.Storage.AsSpan(x.Offset + r0, n), m, m);
            Ln2.NormalizeRows(m, normed.Storage.AsSpan(r0, n));
        });

        var neurons = ScratchTensors.Rent([.. lead, mlp.Width]);                   // act(ln2·W_inᵀ + b_in) [B, T, d_mlp]
        Ops.LinearInto(normed, mlp.In.Weight, null, neurons);
        ScratchTensors.Return(normed);
        var inBias = mlp.In.Bias?.ContiguousData();
        ForRows(rows, mlp.Width, (r0, n) =>
        {
            var p = neurons.Storage.AsSpan(r0, n);
            if (inBias is not null) AddRowwise(p, inBias.Span);
            Activation.ApplyInPlace(mlp.ActivationName, p);
        });
        bool postWatched = mlp.HookPost.IsActive;
        var post = postWatched ? mlp.HookPost.Apply(neurons) : neurons;

        var output = Tensor.Uninitialized(x.Shape);                                // resid_post [B, T, D]
        Ops.LinearInto(post, mlp.Out.Weight, null, output);
        if (!postWatched) ScratchTensors.Return(neurons);
        var mlpBias = mlp.Out.Bias?.ContiguousData();
        ForRows(rows, d, (r0, n) =>
        {
            var o = output.Storage.AsSpan(r0, n);
            if (mlpBias is not null) AddRowwise(o, mlpBias.Span);
            TensorPrimitives.Add(mid.Storage.AsSpan(r0, n), o, o);
        });
        ScratchTensors.Return(mid);
        return output;
    }

    /// <summary>values (whole rows of bias.Length) += bias, row by row.</summary>
    private static void AddRowwise(Span<float> values, ReadOnlySpan<float> bias)
    {
        for (int r = 0; r < values.Length; r += bias.Length)
        {
            var row = values.Slice(r, bias.Length);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>
    /// body(first element, element count) over whole rows of width, in blocks of about 64K elements,
    /// on the kernels' threads when there are several blocks.
    /// </summary>
    private static void ForRows(int rows, int width, Action<int, int> body)
    {
        int perBlock = ColumnSums.RowsPerBlock(width), blocks = (rows + perBlock - 1) / perBlock;
        Parallelism.For(blocks, blk =>
        {
            int r0 = blk * perBlock, r1 = Math.Min(rows, r0 + perBlock);
            body(r0 * width, (r1 - r0) * width);
        });
    }
}
