using System.Numerics.Tensors;
using Interrogate.Kernels;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// Normalisations over the last axis. Rows are independent, so forward and the input gradient run
// in parallel row blocks; weight/bias gradients are summed over rows afterwards, serially.
public static partial class Ops
{
    /// <summary>
    /// Layer normalisation over the last axis: (x − mean)/√(var + eps)·weight + bias, var biased.
    /// x: [.., D]; weight: [D] or null (1); bias: [D] or null (0). Result: [.., D].
    /// </summary>
    public static Tensor LayerNorm(this Tensor x, Tensor? weight, Tensor? bias, float eps = 1e-5f)
    {
        int d = CheckNormShapes(x, weight, bias, "LayerNorm");
        int rows = d == 0 ? 0 : x.Size / d;
        var (xc, wc, bc) = (x.ContiguousData(), weight?.ContiguousData(), bias?.ContiguousData());
        var y = Tensor.Uninitialized(x.Shape);
        var mean = new float[rows];
        var rstd = new float[rows];
        ForRowBlocks(rows, d, (r0, r1, _) =>
        {
            for (int r = r0; r < r1; r++)
                (mean[r], rstd[r]) = Norms.LayerNorm(Span(xc, r * d, d), Span(wc), Span(bc), eps, y.Storage.AsSpan(r * d, d));
        });
        if (GradientTape.ShouldRecord([x, weight ?? x, bias ?? x]))
            GradientTape.Record(y, g =>
            {
                if (x.RequiresGrad)
                {
                    var gx = GradOrNull(x)!;
                    ForRowBlocks(rows, d, (r0, r1, _) =>
                    {
                        for (int r = r0; r < r1; r++)
                            Norms.LayerNormBackward(Span(xc, r * d, d), Span(wc), mean[r], rstd[r], Span(g, r * d, d), GradSlice(gx, r * d, d));
                    });
                }
                bool wantW = weight is { RequiresGrad: true }, wantB = bias is { RequiresGrad: true };
                if (!wantW && !wantB) return;
                // Partial sums per fixed block of rows, in parallel, then added in block order: the
                // same bits at any thread count.
                int perBlock = ColumnSums.RowsPerBlock(d), blocks = (rows + perBlock - 1) / perBlock;
                var partW = wantW ? new float[blocks * d] : null;
                var partB = wantB ? new float[blocks * d] : null;
                Parallelism.For(blocks, blk =>
                {
                    var pw = partW is null ? default : partW.AsSpan(blk * d, d);
                    var pb = partB is null ? default : partB.AsSpan(blk * d, d);
                    for (int r = blk * perBlock; r < Math.Min(rows, (blk + 1) * perBlock); r++)
                        Norms.AccumulateAffine(Span(xc, r * d, d), mean[r], rstd[r], Span(g, r * d, d), pw, pb);
                });
                var gw = wantW ? weight!.GradSpan() : default;
                var gb = wantB ? bias!.GradSpan() : default;
                for (int blk = 0; blk < blocks; blk++)
                {
                    if (partW is not null) TensorPrimitives.Add(gw, partW.AsSpan(blk * d, d), gw);
                    if (partB is not null) TensorPrimitives.Add(gb, partB.AsSpan(blk * d, d), gb);
                }
            });
        return y;
    }

    /// <summary>
    /// RMS normalisation over the last axis (Llama): x/√(mean(x²) + eps)·weight.
    /// x: [.., D]; weight: [D]. Result: [.., D].
    /// </summary>
    public static Tensor RmsNorm(this Tensor x, Tensor weight, float eps = 1e-6f)
    {
        int d = CheckNormShapes(x, weight, null, "RmsNorm");
        int rows = d == 0 ? 0 : x.Size / d;
        var (xc, wc) = (x.ContiguousData(), weight.ContiguousData());
        var y = Tensor.Uninitialized(x.Shape);
        var rrms = new float[rows];
        ForRowBlocks(rows, d, (r0, r1, _) =>
        {
            for (int r = r0; r < r1; r++) rrms[r] = Norms.RmsNorm(Span(xc, r * d, d), Span(wc), eps, y.Storage.AsSpan(r * d, d));
        });
        if (GradientTape.ShouldRecord(x, weight))
            GradientTape.Record(y, g =>
            {
                if (x.RequiresGrad)
                {
                    var gx = GradOrNull(x)!;
                    ForRowBlocks(rows, d, (r0, r1, _) =>
                    {
                        for (int r = r0; r < r1; r++)
                            Norms.RmsNormBackward(Span(xc, r * d, d), Span(wc), rrms[r], Span(g, r * d, d), GradSlice(gx, r * d, d));
                    });
                }
                if (!weight.RequiresGrad) return;
                var gw = weight.GradSpan();
                for (int r = 0; r < rows; r++)
                {
                    var xs = Span(xc, r * d, d);
                    var gs = Span(g, r * d, d);
                    for (int i = 0; i < d; i++) gw[i] += gs[i] * xs[i] * rrms[r];
                }
            });
        return y;
    }

    private static int CheckNormShapes(Tensor x, Tensor? weight, Tensor? bias, string op)
    {
        if (x.Rank == 0) throw new ArgumentException($"{op} needs x [.., D]; got a scalar");
        int d = x.Shape[^1];
        foreach (var p in new[] { weight, bias })
            if (p is not null && (p.Rank != 1 || p.Shape[0] != d))
                throw new ArgumentException($"{op}: parameter {p.Describe()} must be [{d}] to match x {x.Describe()}");
        return d;
    }

    private static ReadOnlySpan<float> Span(Tensor? t) => t is null ? default : t.Storage.AsSpan(t.Offset, t.Size);
}
