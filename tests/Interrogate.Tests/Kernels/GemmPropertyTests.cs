using FsCheck.Xunit;
using Interrogate.Kernels;

namespace Interrogate.Tests.Kernels;

[Collection(GemmSettingsCollection.Name)]
public class GemmPropertyTests
{
    /// <summary>Any shape, transpose, padding, alpha/beta, kernel and thread count agrees with the reference.</summary>
    [Property(MaxTest = 150, Replay = "(12345,6789)")]
    public bool Multiply_RandomProblem_WithinFloatBound(byte m, byte n, byte k, bool transA, bool transB, byte choice, int seed)
    {
        var kinds = new[] { GemmKernelKind.Vector, GemmKernelKind.Avx2, GemmKernelKind.Avx512, GemmKernel.Best };
        float[] alphas = [1f, -1f, 0.3f, 2f], betas = [0f, 1f, -0.5f, 3f];
        using var scope = new GemmScope(kinds[choice % 4], 1 + (choice >> 2) % 2);
        return GemmCheck.WorstRatio(transA, transB, 1 + m % 48, 1 + n % 48, k % 80,
            alphas[(choice >> 3) % 4], betas[(choice >> 5) % 4], (choice >> 7) * 2, seed) <= 1;
    }
}
