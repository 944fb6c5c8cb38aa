using Interrogate.Tensors;
using static Interrogate.Tests.Tensors.Autodiff.GradCheck;

namespace Interrogate.Tests.Tensors.Autodiff;

public class AttentionGradTests
{
    // (H, Hk, Tq, Tk, causal, masked): plain, causal, GQA, KV-cache style Tq < Tk, padding mask.
    public static TheoryData<int, int, int, int, bool, bool> Cases => new()
    {
        { 2, 2, 3, 3, false, false },
        { 2, 2, 4, 4, true, false },
        { 4, 2, 3, 3, true, false },
        { 4, 1, 2, 5, true, true },
        { 2, 2, 3, 4, false, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Attention_Forward_MatchesDoubleReference(int h, int hk, int tq, int tk, bool causal, bool masked)
    {
        var (q, k, v, mask) = Inputs(h, hk, tq, tk, masked);
        var y = q.ScaledDotProductAttention(k, v, causal, mask);
        Assert.Equal([2, h, tq, 3], y.Shape);
        var ys = y.ToArray();
        for (int b = 0; b < 2; b++) for (int head = 0; head < h; head++)
        {
            int kvHead = head / (h / hk);
            var expected = Interrogate.Kernels.Attention.Reference(
                Head(q, b, head), Head(k, b, kvHead), Head(v, b, kvHead), tq, tk, 3, 3, 1 / Math.Sqrt(3), causal,
                mask is null ? default : mask.ToArray().AsSpan(b * tk, tk));
            Close(expected.Select(e => (float)e).ToArray(), ys.AsSpan((b * h + head) * tq * 3, tq * 3), 1e-5);
        }
        var split = q.AttentionPattern(k, causal, mask).ApplyPattern(v);
        Close(ys, split.ToArray(), 1e-6);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Attention_FusedAndSplit_GradientsMatchNumeric(int h, int hk, int tq, int tk, bool causal, bool masked)
    {
        var (q, k, v, mask) = Inputs(h, hk, tq, tk, masked);
        Check(x => x[0].ScaledDotProductAttention(x[1], x[2], causal, mask), [q, k, v], eps: 5e-3, tol: 5e-3);
        Check(x => x[0].AttentionPattern(x[1], causal, mask, scale: 0.7f), [q, k], eps: 5e-3, tol: 5e-3);
        var pattern = q.AttentionPattern(k, causal, mask).Detach();
        Check(x => x[0].ApplyPattern(x[1]), [pattern, v], eps: 5e-3, tol: 5e-3);
    }

    [Theory]
    [InlineData(4, 2, 5, 5, 1.5f, 2)]
    [InlineData(2, 1, 3, 6, 0.8f, 0)]
    [InlineData(2, 2, 4, 4, 0f, 3)]
    public void Attention_SoftCapAndWindow_GradientsMatchNumeric(int h, int hk, int tq, int tk, float softCap, int window)
    {
        var (q, k, v, _) = Inputs(h, hk, tq, tk, false);
        float? cap = softCap > 0 ? softCap : null;
        int? w = window > 0 ? window : null;
        Check(x => x[0].ScaledDotProductAttention(x[1], x[2], true, null, 0.9f, cap, w), [q, k, v], eps: 5e-3, tol: 5e-3);
        Check(x => x[0].AttentionPattern(x[1], true, null, 0.9f, cap, w), [q, k], eps: 5e-3, tol: 5e-3);
        var fused = q.ScaledDotProductAttention(k, v, true, null, 0.9f, cap, w).ToArray();
        Close(fused, q.AttentionPattern(k, true, null, 0.9f, cap, w).ApplyPattern(v).ToArray(), 1e-6);
    }

    [Fact]
    public void Attention_PermutedViewInputs_GradientsMatchNumeric()
    {
        // [B, T, H, D] projections viewed as [B, H, T, D], as a model produces them.
        var q = Randn(1, 2, 3, 2, 4).Permute(0, 2, 1, 3);
        var k = Randn(2, 2, 3, 2, 4).Permute(0, 2, 1, 3);
        var v = Randn(3, 2, 3, 2, 4).Permute(0, 2, 1, 3);
        Check(x => x[0].ScaledDotProductAttention(x[1], x[2], causal: true), [q, k, v], eps: 5e-3, tol: 5e-3);
    }

    [Fact]
    public void Attention_FullyMaskedRows_AreZeroNotNaN()
    {
        var (q, k, v, _) = Inputs(2, 2, 3, 3, false);
        var mask = Tensor.FromArray([0f, 0f, 1f, 1f, 1f, 1f], 2, 3);
        var pattern = q.AttentionPattern(k, causal: true, mask);
        var y = q.ScaledDotProductAttention(k, v, causal: true, mask).ToArray();
        Assert.All(y, value => Assert.False(float.IsNaN(value)));
        // Batch 0: queries 0 and 1 see only padded keys.
        for (int head = 0; head < 2; head++)
            for (int i = 0; i < 2; i++)
            {
                Assert.All(Enumerable.Range(0, 3), j => Assert.Equal(0f, pattern[0, head, i, j]));
                Assert.All(Enumerable.Range(0, 3), c => Assert.Equal(0f, y[(head * 3 + i) * 3 + c]));
            }
        Assert.Equal(1f, pattern[0, 0, 2, 2], 1e-6f);
        Check(x => x[0].ScaledDotProductAttention(x[1], x[2], causal: true, mask), [q, k, v], eps: 5e-3, tol: 5e-3);
    }

    [Fact]
    public void AttentionPattern_CausalWithCache_RowsSumToOneOverVisibleKeys()
    {
        var (q, k, _, _) = Inputs(2, 2, 2, 5, false);
        var p = q.AttentionPattern(k, causal: true);
        for (int i = 0; i < 2; i++)
        {
            int visible = 5 - 2 + i + 1;
            Assert.Equal(1f, Enumerable.Range(0, 5).Sum(j => p[1, 1, i, j]), 1e-5f);
            Assert.All(Enumerable.Range(visible, 5 - visible), j => Assert.Equal(0f, p[1, 1, i, j]));
        }
    }

    [Fact]
    public void Attention_BadShapes_Throw()
    {
        var q = Randn(1, 1, 3, 2, 4);
        Assert.Throws<ArgumentException>(() => q.ScaledDotProductAttention(Randn(2, 1, 2, 2, 4), Randn(3, 1, 2, 2, 4), causal: false));
        Assert.Throws<ArgumentException>(() => Randn(4, 1, 2, 5, 4).ScaledDotProductAttention(Randn(5, 1, 2, 3, 4), Randn(6, 1, 2, 3, 4), causal: true));
    }

    private static (Tensor Q, Tensor K, Tensor V, Tensor? Mask) Inputs(int h, int hk, int tq, int tk, bool masked)
    {
        var mask = masked ? Tensor.FromArray([.. Enumerable.Range(0, 2 * tk).Select(i => i % tk == 1 || i == tk ? 0f : 1f)], 2, tk) : null;
        return (Randn(11, 2, h, tq, 3), Randn(12, 2, hk, tk, 3), Randn(13, 2, hk, tk, 3), mask);
    }

    private static float[] Head(Tensor t, int b, int head) => t.Slice(0, b, 1).Slice(1, head, 1).ToArray();
}
