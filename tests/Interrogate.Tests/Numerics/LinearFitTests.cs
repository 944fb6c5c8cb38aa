using Interrogate.Numerics;
using Interrogate.Analysis.Redundancy;
using Interrogate.Tensors;

namespace Interrogate.Tests.Analysis.Redundancy;

public sealed class LinearFitTests
{
    /// <summary>rows × 6 neurons: 0..2 random (1 with a large mean), 3 = 2·x0 − x1 + 0.5, 4 = x2 + noise·0.1, 5 random.</summary>
    private static float[] Rows(int rows, ulong seed)
    {
        var rng = new TensorRandom(seed);
        var data = new float[rows * 6];
        for (int r = 0; r < rows; r++)
        {
            var x = data.AsSpan(r * 6, 6);
            x[0] = (float)rng.NextNormal();
            x[1] = 100 + (float)rng.NextNormal();
            x[2] = (float)rng.NextNormal();
            x[3] = 2 * x[0] - x[1] + 0.5f;
            x[4] = x[2] + 0.1f * (float)rng.NextNormal();
            x[5] = (float)rng.NextNormal();
        }
        return data;
    }

    private static ActivationMoments Moments(float[] rows, int chunk)
    {
        var m = new ActivationMoments(6);
        for (int start = 0; start < rows.Length; start += chunk * 6) m.Add(rows.AsSpan(start, Math.Min(chunk * 6, rows.Length - start)));
        return m;
    }

    [Fact]
    public void Moments_Chunked_MatchNaiveCovariance()
    {
        var rows = Rows(500, 1);
        var m = Moments(rows, chunk: 37);
        Assert.Equal(500, m.Count);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
            {
                double mi = Enumerable.Range(0, 500).Average(r => (double)rows[r * 6 + i]);
                double mj = Enumerable.Range(0, 500).Average(r => (double)rows[r * 6 + j]);
                double cov = Enumerable.Range(0, 500).Average(r => (rows[r * 6 + i] - mi) * (rows[r * 6 + j] - mj));
                Assert.Equal(mi, m.Mean(i), 4);
                Assert.True(Math.Abs(cov - m.Covariance(i, j)) < 1e-4 * (1 + Math.Abs(cov)), $"cov({i},{j}) {m.Covariance(i, j)} vs {cov}");
            }
    }

    [Fact]
    public void Moments_BandedUpperGram_SameBitsAsFullProduct()
    {
        // 600 neurons: three bands (256, 256, 88); chunks of 70 and 33 rows. The reference forms the full
        // xᵀx of each shifted chunk in one GEMM, as the moments did before the banded upper triangle.
        const int width = 600;
        var rng = new TensorRandom(7);
        var rows = new float[103 * width];
        for (int i = 0; i < rows.Length; i++) rows[i] = (float)rng.NextNormal() + (i % width == 5 ? 50 : 0);
        var m = new ActivationMoments(width);
        var gram = new double[width * width];
        var sum = new double[width];
        float[]? shift = null;
        foreach (var (start, n) in new[] { (0, 70), (70, 33) })
        {
            var chunk = rows[(start * width)..((start + n) * width)];
            m.Add(chunk);
            shift ??= [.. Enumerable.Range(0, width).Select(j => (float)(Enumerable.Range(0, n).Sum(r => (double)chunk[r * width + j]) / n))];
            var x = new float[n * width];
            for (int r = 0; r < n; r++)
                for (int j = 0; j < width; j++) { x[r * width + j] = chunk[r * width + j] - shift[j]; sum[j] += x[r * width + j]; }
            var full = new float[width * width];
            Interrogate.Kernels.Gemm.Multiply(true, false, width, width, n, 1f, x, width, x, width, 0f, full, width);
            for (int i = 0; i < full.Length; i++) gram[i] += full[i];
        }
        int mismatches = 0;
        for (int i = 0; i < width; i++)
            for (int j = 0; j < width; j++)
            {
                double expected = gram[i * width + j] / 103 - sum[i] / 103 * (sum[j] / 103);
                if (BitConverter.DoubleToInt64Bits(expected) != BitConverter.DoubleToInt64Bits(m.Covariance(i, j))) mismatches++;
            }
        Assert.Equal(0, mismatches);
        Assert.Equal(m.Covariance(3, 400), m.Covariance(400, 3));
    }

    [Fact]
    public void Fit_SetToSet_RecoversCoefficientsAndScoresEachOutput()
    {
        var fit = Moments(Rows(2000, 2), 256);
        var heldOut = Moments(Rows(1000, 3), 256);

        var map = LinearFit.Fit(fit, [0, 1, 2], [3, 4]);
        var score = LinearFit.Score(map, heldOut, 1e-12);

        Assert.Equal(2.0, map.Coefficient(0, 0), 3);
        Assert.Equal(-1.0, map.Coefficient(0, 1), 3);
        Assert.Equal(0.5, map.Offsets[0], 1);
        Assert.Equal(1.0, map.Coefficient(1, 2), 2);
        Assert.True(score.R2[0] > 1 - 1e-5, $"R² {score.R2[0]}");
        Assert.InRange(score.R2[1], 0.97, 0.995);   // noise variance 0.01 of about 1.01
        Assert.InRange(score.ResidualRms[1], 0.09, 0.11);
        Assert.InRange(score.OverallR2, score.R2[1], score.R2[0]);
    }

    [Fact]
    public void ForwardSelection_SumOfTwo_PicksBothFirst()
    {
        var fit = Moments(Rows(2000, 4), 256);
        var all = Enumerable.Range(0, 6).ToArray();
        var matrix = LinearFit.SecondMoments(fit, all, all, centered: true);

        var chosen = ForwardSelection.Select(matrix, 6, target: 3, [true, true, true, true, true, true], maxSet: 4);

        Assert.Equal([0, 1], chosen[..2].Order());
    }

    [Fact]
    public void Cka_DuplicateScaledAndIndependent_OneOneAndNearZero()
    {
        var rng = new TensorRandom(5);
        var m = new ActivationMoments(4);
        var row = new float[4];
        for (int r = 0; r < 4000; r++)
        {
            row[0] = (float)rng.NextNormal();
            row[1] = row[0];
            row[2] = 3 * row[0] + 1;
            row[3] = (float)rng.NextNormal();
            m.Add(row);
        }
        Assert.Equal(1.0, LinearCka.Between(m, [0], [1]), 6);
        Assert.Equal(1.0, LinearCka.Between(m, [0], [2]), 6);
        Assert.InRange(LinearCka.Between(m, [0], [3]), 0, 0.01);
    }
}
