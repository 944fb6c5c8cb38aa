using Interrogate.Kernels;
using Interrogate.Models.Transformer;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Kernels;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Tensors;

/// <summary>
/// Linear inside a <see cref="PrepackedWeights"/> scope: the same bits as outside it, packed once,
/// repacked after <see cref="PrepackedWeights.Clear"/> or a kernel switch, and never used while a
/// tape records (training writes the weights).
/// </summary>
[Collection(GemmSettingsCollection.Name)]
public class PrepackedWeightsTests
{
    private static Tensor Random(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var values = new float[shape.Aggregate(1, (a, v) => a * v)];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return Tensor.FromArray(values, shape);
    }

    [Fact]
    public void Linear_InScope_SameBitsAsWithoutAndPackedOnce()
    {
        Tensor x = Random(1, 2, 40, 100), w = Random(2, 300, 100), b = Random(3, 300);
        var plain = x.Linear(w, b).ToArray();
        using var packs = new PrepackedWeights();
        Assert.Equal(plain, x.Linear(w, b).ToArray());
        long bytes = packs.Bytes;
        Assert.Equal(plain, x.Linear(w, b).ToArray());
        Assert.Equal(1, packs.Count);
        Assert.Equal(bytes, packs.Bytes);
        Assert.True(bytes >= 300 * 100 * sizeof(float));
    }

    [Fact]
    public void Linear_WeightChangedInPlaceThenCleared_UsesNewValues()
    {
        Tensor x = Random(4, 64, 80), w = Random(5, 200, 80);
        using var packs = new PrepackedWeights();
        x.Linear(w);
        w.Span[7] += 1f;   // an edit: the owner of the scope then clears it, as documented
        packs.Clear();
        var after = x.Linear(w).ToArray();
        using (PrepackedWeights.Suspend()) Assert.Equal(x.Linear(w).ToArray(), after);
        Assert.Equal(1, packs.Count);
    }

    [Fact]
    public void Linear_KernelSwitchedInScope_RepacksAndMatchesThatKernel()
    {
        Tensor x = Random(6, 64, 80), w = Random(7, 200, 80);
        using var gemm = new GemmScope(GemmKernelKind.Avx2, 2);
        using var packs = new PrepackedWeights();
        x.Linear(w);
        GemmKernel.Current = GemmKernelKind.Avx512;
        var packed = x.Linear(w).ToArray();
        using (PrepackedWeights.Suspend()) Assert.Equal(x.Linear(w).ToArray(), packed);
    }

    [Fact]
    public void Linear_TapeRecording_NotPackedAndTrainsOnCurrentWeights()
    {
        Tensor x = Random(8, 32, 60), w = Random(9, 100, 60);
        w.RequiresGrad = true;
        using var packs = new PrepackedWeights();
        for (int step = 0; step < 2; step++)
        {
            using var tape = new GradientTape();
            var loss = x.Linear(w).Sum();
            tape.Backward(loss);
            // dL/dW[o, i] = Σ_rows x[row, i], the same for every output o.
            float expected = 0;
            for (int r = 0; r < 32; r++) expected += x[r, 5];
            Assert.Equal(expected, w.Grad![3, 5], 3);
            w.Span[0] -= 0.5f;   // an optimizer's in-place step between steps
            w.ReleaseGrad();
        }
        Assert.Equal(0, packs.Count);
    }

    [Fact]
    public void Linear_ByteLimitZero_NothingPackedSameBits()
    {
        Tensor x = Random(10, 64, 80), w = Random(11, 200, 80);
        var plain = x.Linear(w).ToArray();
        using var packs = new PrepackedWeights(byteLimit: 0);
        Assert.Equal(plain, x.Linear(w).ToArray());
        Assert.Equal(0, packs.Count);
    }

    [Fact]
    public void Forward_Gpt2InScope_SameLogitsBitForBitAndScopeRestored()
    {
        var model = ModelKit.Gpt2(ModelKit.Gpt2Tiny with { DModel = 32, Inner = 2048 });
        var batch = new TokenBatch(ModelKit.RandomIds(2 * 24, 37, 5), 2, 24);
        var plain = model.Forward(batch).ToArray();
        using (var packs = new PrepackedWeights())
        {
            Assert.Equal(plain, model.Forward(batch).ToArray());
            Assert.Equal(plain, model.Forward(batch).ToArray());
            Assert.True(packs.Count > 0);
        }
        Assert.Null(PrepackedWeights.Current);
    }
}
