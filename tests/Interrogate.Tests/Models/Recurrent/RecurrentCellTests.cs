using Interrogate.Nn;
using Interrogate.Tensors;
using static Interrogate.Tests.Tensors.Autodiff.GradCheck;

namespace Interrogate.Tests.Models.Recurrent;

/// <summary>One step of each cell against PyTorch's documented formulas, evaluated by hand in double.</summary>
public class RecurrentCellTests
{
    private const int B = 2, I = 3, H = 4;

    [Fact]
    public void GruCell_OneStep_MatchesFormulasInDouble()
    {
        var cell = new GruCell(I, H, new TensorRandom(1));
        var x = Randn(2, B, I);
        var h = Randn(3, B, H);
        var actual = cell.Forward(x, h).ToArray();
        var expected = new float[B * H];
        for (int b = 0; b < B; b++)
            for (int j = 0; j < H; j++)
            {
                double r = Sigmoid(Gate(cell.WeightIh, cell.BiasIh, x, b, j) + Gate(cell.WeightHh, cell.BiasHh, h, b, j));
                double z = Sigmoid(Gate(cell.WeightIh, cell.BiasIh, x, b, H + j) + Gate(cell.WeightHh, cell.BiasHh, h, b, H + j));
                double n = Math.Tanh(Gate(cell.WeightIh, cell.BiasIh, x, b, 2 * H + j) + r * Gate(cell.WeightHh, cell.BiasHh, h, b, 2 * H + j));
                expected[b * H + j] = (float)((1 - z) * n + z * h[b, j]);
            }
        Close(expected, actual, 1e-6);
    }

    [Fact]
    public void LstmCell_OneStep_MatchesFormulasInDouble()
    {
        var cell = new LstmCell(I, H, new TensorRandom(4));
        var x = Randn(5, B, I);
        var h = Randn(6, B, H);
        var c = Randn(7, B, H);
        var (hNext, cNext) = cell.Forward(x, h, c);
        var expectedH = new float[B * H];
        var expectedC = new float[B * H];
        for (int b = 0; b < B; b++)
            for (int j = 0; j < H; j++)
            {
                double Pre(int gate) => Gate(cell.WeightIh, cell.BiasIh, x, b, gate * H + j) + Gate(cell.WeightHh, cell.BiasHh, h, b, gate * H + j);
                double ig = Sigmoid(Pre(0)), fg = Sigmoid(Pre(1)), gg = Math.Tanh(Pre(2)), og = Sigmoid(Pre(3));
                double cj = fg * c[b, j] + ig * gg;
                expectedC[b * H + j] = (float)cj;
                expectedH[b * H + j] = (float)(og * Math.Tanh(cj));
            }
        Close(expectedC, cNext.ToArray(), 1e-6);
        Close(expectedH, hNext.ToArray(), 1e-6);
    }

    [Fact]
    public void Cells_TwoSteps_GradientsMatchFiniteDifferences()
    {
        var gru = new GruCell(I, H, new TensorRandom(8));
        var x = Randn(9, B, I);
        var h0 = Randn(10, B, H);
        Check(t => gru.Forward(t[0], gru.Forward(t[0], t[1])), [x, h0, .. gru.Parameters()], tol: 5e-3);
        var lstm = new LstmCell(I, H, new TensorRandom(11));
        var c0 = Randn(12, B, H);
        Check(t =>
        {
            var (h1, c1) = lstm.Forward(t[0], t[1], t[2]);
            var (h2, c2) = lstm.Forward(t[0], h1, c1);
            return Ops.Concat([h2, c2], 1);
        }, [x, h0, c0, .. lstm.Parameters()], tol: 5e-3);
    }

    /// <summary>Row <paramref name="row"/> of W·v[b] + bias, in double.</summary>
    private static double Gate(Tensor w, Tensor bias, Tensor v, int b, int row)
    {
        double sum = bias[row];
        for (int k = 0; k < w.Shape[1]; k++) sum += (double)w[row, k] * v[b, k];
        return sum;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
