using Interrogate.Numerics;
using Interrogate.Analysis.Probing;
using Interrogate.Tensors;

namespace Interrogate.Tests.Analysis.Probing;

public sealed class SparseProbeTests
{
    private const int Width = 30, Rows = 1000;

    /// <summary>
    /// Noise N(0, 1) everywhere; the concept is "a or b" for two independent latent bits, a planted as +6
    /// on neuron 4 and b as −6 on neuron 21, so one neuron explains only part of it and two explain all.
    /// </summary>
    private static (float[] X, bool[] Y) Planted(ulong seed)
    {
        var rng = new TensorRandom(seed);
        var x = new float[Rows * Width];
        var y = new bool[Rows];
        for (int i = 0; i < Rows; i++)
        {
            for (int j = 0; j < Width; j++) x[i * Width + j] = (float)rng.NextNormal();
            bool a = rng.NextDouble() < 0.2, b = rng.NextDouble() < 0.2;
            if (a) x[i * Width + 4] += 6;
            if (b) x[i * Width + 21] -= 6;
            y[i] = a || b;
        }
        return (x, y);
    }

    [Theory]
    [InlineData(NeuronSelection.MeanDifference)]
    [InlineData(NeuronSelection.Auc)]
    public void Run_PlantedInTwoNeurons_PicksThemAndReachesF1One(NeuronSelection selection)
    {
        var (x, y) = Planted(3);
        var results = SparseProbe.Run(x, Width, y, new SparseProbeOptions { Selection = selection, Seed = 1 });
        Assert.Equal([1, 2, 4, 8, 16], results.Select(r => r.K));
        Assert.InRange(results[0].F1, 0.5, 0.9);   // one neuron sees only half of the concept
        foreach (var r in results.Skip(1))
        {
            Assert.True(r.F1 > 0.97, $"k = {r.K}: F1 {r.F1}");
            Assert.True(r.Auc > 0.99, $"k = {r.K}: AUC {r.Auc}");
            Assert.All(r.Folds, f => Assert.Equal([4, 21], f.Neurons[..2].Order()));
        }
        Assert.Equal([4, 21], results[1].ConsensusNeurons.Order());
        Assert.Equal(5, results[1].Folds.Count);
    }

    [Fact]
    public void Run_RandomLabels_ScoresNearChance()
    {
        var (x, _) = Planted(4);
        var rng = new TensorRandom(9);
        var y = Enumerable.Range(0, Rows).Select(_ => rng.NextDouble() < 0.5).ToArray();
        foreach (var r in SparseProbe.Run(x, Width, y, new SparseProbeOptions { Seed = 2 }))
        {
            Assert.InRange(r.Auc, 0.42, 0.58);
            Assert.InRange(r.Accuracy, 0.42, 0.58);
            Assert.True(r.F1 < 0.68, $"k = {r.K}: F1 {r.F1}");   // 0.667 is what "always yes" scores
        }
    }

    [Fact]
    public void AssignFolds_SameSeed_SameStratifiedFolds()
    {
        var (_, y) = Planted(5);
        var folds = SparseProbe.AssignFolds(y, 5, seed: 11);
        Assert.Equal(folds, SparseProbe.AssignFolds(y, 5, seed: 11));
        Assert.NotEqual(folds, SparseProbe.AssignFolds(y, 5, seed: 12));
        var positivesPerFold = Enumerable.Range(0, 5).Select(f => Enumerable.Range(0, Rows).Count(i => folds[i] == f && y[i])).ToArray();
        Assert.True(positivesPerFold.Max() - positivesPerFold.Min() <= 1);
    }

    [Fact]
    public void Run_TooFewPositives_ThrowsInputException()
    {
        var y = new bool[50];
        y[3] = y[7] = true;
        Assert.Throws<InputException>(() => SparseProbe.Run(new float[50 * 4], 4, y));
    }

    [Fact]
    public void LogisticRegression_Fit_GradientVanishesAtSolution()
    {
        var rng = new TensorRandom(6);
        int n = 400, k = 3;
        var x = new double[n * k];
        var y = new bool[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < k; j++) x[i * k + j] = 2 + 3 * rng.NextNormal();
            y[i] = rng.NextDouble() < 1 / (1 + Math.Exp(-(x[i * k] - 2) + 0.5 * x[i * k + 1]));
        }
        const double l2 = 0.01;
        var model = LogisticRegression.Fit(x, y, l2);
        // Gradient of mean log-loss + (λ/2)‖w‖² in standardised coordinates, from raw predictions.
        var mean = Enumerable.Range(0, k).Select(j => Enumerable.Range(0, n).Average(i => x[i * k + j])).ToArray();
        var sd = Enumerable.Range(0, k).Select(j => Math.Sqrt(Enumerable.Range(0, n).Average(i => Math.Pow(x[i * k + j] - mean[j], 2)))).ToArray();
        var gradient = new double[k + 1];
        for (int i = 0; i < n; i++)
        {
            double r = (model.Probability(x.AsSpan(i * k, k)) - (y[i] ? 1 : 0)) / n;
            for (int j = 0; j < k; j++) gradient[j] += r * (x[i * k + j] - mean[j]) / sd[j];
            gradient[k] += r;
        }
        for (int j = 0; j < k; j++) gradient[j] += l2 * model.Weights[j];
        Assert.All(gradient, g => Assert.True(Math.Abs(g) < 1e-7, $"gradient {g}"));
        Assert.True(model.Weights[0] > 1 && model.Weights[1] < -1 && Math.Abs(model.Weights[2]) < 0.5);
    }
}
