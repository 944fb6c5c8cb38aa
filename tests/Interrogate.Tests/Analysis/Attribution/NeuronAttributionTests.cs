using Interrogate.Analysis.Attribution;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Analysis.Attribution;

public sealed class NeuronAttributionTests
{
    private static readonly AttributionTarget Target = new([3, 14, 15, 9, 26, 5, 35], Position: -2, Token: 5);
    private const string Hook = "blocks.0.mlp.hook_post";

    private static double LogProb(CausalLanguageModel model, Func<Tensor, Tensor>? edit = null)
    {
        using var _ = GradientTape.NoGrad();
        using var scope = new HookScope();
        if (edit is not null) scope.Edit(Hook, edit);
        var logits = model.Forward(Target.Ids).ToArray();
        int v = model.Dimensions.VocabSize, p = Target.ResolvedPosition;
        var row = logits.AsSpan(p * v, v);
        double max = row.ToArray().Max(), z = row.ToArray().Sum(x => Math.Exp(x - max));
        return row[Target.Token] - max - Math.Log(z);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IntegratedGradients_Scores_SumToTheChangeFromTheBaseline(bool meanBaseline)
    {
        var model = ModelKit.Gpt2();
        float[]? baseline = meanBaseline ? [.. Enumerable.Range(0, 24).Select(j => 0.05f * (j % 5) - 0.1f)] : null;
        var ig = NeuronAttribution.IntegratedGradients(model, Target, Hook, baseline, steps: 64);
        Assert.Equal(LogProb(model), ig.Target, 4);
        Assert.Equal(LogProb(model, a => baseline is null ? a.Mul(0f) : Tensor.FromArray(Enumerable.Range(0, a.Size).Select(i => baseline[i % 24]).ToArray(), a.Shape)),
            ig.Baseline!.Value, 4);
        double gap = ig.Target - ig.Baseline!.Value;
        Assert.True(Math.Abs(gap) > 1e-2, $"gap {gap} too small for a meaningful completeness check");
        Assert.True(Math.Abs(ig.CompletenessError!.Value) < 0.01 * Math.Abs(gap) + 1e-3, $"sum {ig.Sum} vs f(x)−f(b) {gap}");
        Assert.Equal(ig.Sum - gap, ig.CompletenessError!.Value, 9);
        Assert.Equal(24, ig.Scores.Length);
    }

    [Fact]
    public void IntegratedGradients_FewerSteps_LargerCompletenessError()
    {
        var model = ModelKit.Gpt2();
        var coarse = NeuronAttribution.IntegratedGradients(model, Target, Hook, steps: 1);
        var fine = NeuronAttribution.IntegratedGradients(model, Target, Hook, steps: 64);
        Assert.True(Math.Abs(fine.CompletenessError!.Value) < Math.Abs(coarse.CompletenessError!.Value), $"{fine.CompletenessError} vs {coarse.CompletenessError}");
    }

    [Fact]
    public void GradientTimesActivation_MatchesFiniteDifferenceOfScalingTheNeuron()
    {
        var model = ModelKit.Gpt2();
        var attribution = NeuronAttribution.GradientTimesActivation(model, Target, [Hook, "blocks.1.mlp.hook_post"]);
        Assert.Equal(2, attribution.Count);
        const float eps = 1e-2f;
        foreach (int n in new[] { 0, 7, 19 })
        {
            double up = LogProb(model, a => Scale(a, n, 1 + eps)), down = LogProb(model, a => Scale(a, n, 1 - eps));
            // d/ds f(a_n·(1+s)) at s = 0 is Σ_t ∂f/∂a_n[t] · a_n[t].
            Assert.Equal((up - down) / (2 * eps), attribution[0].Scores[n], 2);
        }
    }

    [Fact]
    public void IntegratedGradients_NeuronWithNoOutputWeights_ScoresZero()
    {
        var model = ModelKit.Gpt2();
        var w = ((DenseMlp)model.Blocks[0].Mlp).Out.Weight;   // [D, d_mlp]
        for (int i = 0; i < w.Shape[0]; i++) w.Span[i * w.Shape[1] + 11] = 0f;
        var ig = NeuronAttribution.IntegratedGradients(model, Target, Hook, steps: 8);
        Assert.Equal(0f, ig.Scores[11]);
        Assert.Contains(ig.Scores, s => Math.Abs(s) > 1e-4);
    }

    [Fact]
    public void IntegratedGradients_UnknownHook_IsInputError()
    {
        var e = Assert.Throws<InputException>(() => NeuronAttribution.IntegratedGradients(ModelKit.Gpt2(), Target, "blocks.9.mlp.hook_post"));
        Assert.Contains("blocks.9.mlp.hook_post", e.Message);
    }

    private static Tensor Scale(Tensor a, int neuron, float factor) =>
        Interrogate.Analysis.Ablation.NeuronEdits.Overwrite(a, [neuron], (row, _) => a.ContiguousData().Span[row * a.Shape[^1] + neuron] * factor);
}
