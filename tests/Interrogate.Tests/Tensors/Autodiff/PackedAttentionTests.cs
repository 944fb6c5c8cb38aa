using Interrogate.Kernels;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using static Interrogate.Tests.Tensors.Autodiff.GradCheck;

namespace Interrogate.Tests.Tensors.Autodiff;

public class PackedAttentionTests
{
    // (H, Hk, T, Dh): one block, several blocks with a partial last one, grouped-query.
    public static TheoryData<int, int, int, int> Cases => new()
    {
        { 2, 2, 5, 3 },
        { 2, 2, PackedAttention.QueryBlock * 2 + 7, 4 },
        { 4, 2, PackedAttention.QueryBlock + 1, 3 },
        { 4, 1, 9, 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CausalSelfAttention_ValuesAndGradients_MatchSplitHeadsRoute(int h, int hk, int t, int dh)
    {
        var upstream = Randn(21, 2, t, h * dh);
        var (fused, fusedGrad) = RunWithGrad(qkv => qkv.CausalSelfAttention(h, hk, dh), h, hk, t, dh, upstream);
        var (split, splitGrad) = RunWithGrad(qkv => SplitRoute(qkv, h, hk, t, dh), h, hk, t, dh, upstream);
        Close(split, fused, 1e-5);
        Close(splitGrad, fusedGrad, 1e-5);
    }

    [Fact]
    public void CausalSelfAttention_GradientsMatchNumeric()
    {
        var qkv = Randn(31, 2, 7, (4 + 2 * 2) * 3);
        Check(x => x[0].CausalSelfAttention(4, 2, 3), [qkv], eps: 5e-3, tol: 5e-3);
    }

    [Fact]
    public void CausalSelfAttention_InputUsedTwice_AccumulatesBothGradients()
    {
        // The second use finds a gradient already there and must add to it, not overwrite it.
        var qkv = Randn(41, 1, 6, (2 + 2 * 2) * 2);
        Check(x => x[0].CausalSelfAttention(2, 2, 2).Add(x[0].Mul(x[0]).Slice(2, 0, 4)), [qkv], eps: 5e-3, tol: 5e-3);
    }

    [Fact]
    public void CausalSelfAttention_WrongWidth_Throws()
    {
        Assert.Throws<ArgumentException>(() => Randn(1, 1, 4, 10).CausalSelfAttention(2, 2, 2));
        Assert.Throws<ArgumentException>(() => Randn(1, 1, 4, 15).CausalSelfAttention(3, 2, 3));
    }

    private static Tensor SplitRoute(Tensor qkv, int h, int hk, int t, int dh)
    {
        int b = qkv.Shape[0];
        var parts = qkv.Split([h * dh, hk * dh, hk * dh], -1);
        var q = parts[0].Reshape(b, t, h, dh).Permute(0, 2, 1, 3);
        var k = parts[1].Reshape(b, t, hk, dh).Permute(0, 2, 1, 3).Contiguous();
        var v = parts[2].Reshape(b, t, hk, dh).Permute(0, 2, 1, 3).Contiguous();
        return q.ScaledDotProductAttention(k, v, causal: true).Permute(0, 2, 1, 3).Contiguous().Reshape(b, t, h * dh);
    }

    private static (float[] Values, float[] Gradient) RunWithGrad(Func<Tensor, Tensor> f, int h, int hk, int t, int dh, Tensor upstream)
    {
        var qkv = Randn(20, 2, t, (h + 2 * hk) * dh);
        qkv.RequiresGrad = true;
        float[] values;
        using (var tape = new GradientTape())
        {
            var y = f(qkv);
            values = y.ToArray();
            tape.Backward(y.Mul(upstream).Sum());
        }
        return (values, qkv.Grad!.ToArray());
    }
}
