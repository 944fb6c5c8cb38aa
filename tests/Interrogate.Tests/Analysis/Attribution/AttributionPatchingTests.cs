using Interrogate.Analysis.Ablation;
using Interrogate.Analysis.Attribution;
using Interrogate.Data.Corpora;
using Interrogate.Models.Transformer;
using Interrogate.Tests.Models;
using Interrogate.Text;
using Xunit.Abstractions;

namespace Interrogate.Tests.Analysis.Attribution;

public sealed class AttributionPatchingTests(ITestOutputHelper output)
{
    private static readonly string[] TinyHooks = ["blocks.0.mlp.hook_post", "blocks.1.mlp.hook_post"];

    /// <summary>
    /// Planted: moving a neuron a fraction ε of the way to its mean (a → a + ε(μ − a) at every
    /// position) changes the loss by ε times AtP's estimate to first order, which the exact run must show.
    /// </summary>
    [Fact]
    public void Estimate_SmallStepTowardMeanOnTinyModel_EqualsExactChangeToFirstOrder()
    {
        var model = ModelKit.Gpt2();
        var ids = ModelKit.RandomIds(2 * 3 * 8, ModelKit.Gpt2Tiny.VocabSize, seed: 11);
        TokenBatch[] batches = [new(ids[..24], 3, 8), new(ids[24..], 3, 8)];
        var means = AttributionPatching.Means(model, batches, TinyHooks);
        var atp = AttributionPatching.Estimate(model, batches, TinyHooks, means);
        double clean = AttributionPatching.MeanLoss(model, batches);
        const float Eps = 0.05f;
        foreach (var (hook, j) in new[] { (TinyHooks[0], 3), (TinyHooks[1], 10), (TinyHooks[1], 17) })
        {
            float mu = means[hook][j];
            double stepped;
            using (new Interrogate.Nn.HookScope().Edit(hook, a =>
            {
                var values = a.ContiguousData().ToArray();
                int width = a.Shape[^1];
                return NeuronEdits.Overwrite(a, [j], (r, _) => values[r * width + j] + Eps * (mu - values[r * width + j]));
            }))
                stepped = AttributionPatching.MeanLoss(model, batches);
            double exact = (stepped - clean) / Eps, estimated = atp.Hooks.Single(h => h.Hook == hook).Effects[j];
            output.WriteLine($"{hook}[{j}]: exact (L(a + ε(μ − a)) − L(a))/ε = {exact:E3}, AtP {estimated:E3}");
            Assert.True(Math.Abs(exact - estimated) <= 0.1 * Math.Abs(estimated) + 1e-5, $"{hook}[{j}]: exact {exact}, AtP {estimated}");
        }
    }

    /// <summary>
    /// On the shipped model and real text: AtP screens all 2,048 MLP neurons; exact mean-ablation of
    /// the 100 it ranks highest must agree with its estimates in rank (Spearman ≥ 0.9).
    /// </summary>
    [Fact]
    public void Estimate_ShippedModelTop100_RankCorrelatesWithExactAblation()
    {
        var dir = ShippedModel();
        var model = TransformerLoader.FromDirectory(dir);
        var tokenizer = TokenizerLoader.FromDirectory(dir);
        var corpus = Corpus.Open(Corpus.SotuName);
        var text = string.Concat(corpus.Split(CorpusSplit.Validation).Take(3).Select(d => d.Read()));
        var ids = tokenizer.Encode(text);
        const int Window = 128, PerBatch = 4, Batches = 2;
        Assert.True(ids.Length >= Window * PerBatch * Batches, $"only {ids.Length} tokens");
        var batches = Enumerable.Range(0, Batches).Select(b => new TokenBatch(ids[(b * PerBatch * Window)..((b + 1) * PerBatch * Window)], PerBatch, Window)).ToList();
        string[] hooks = [.. Enumerable.Range(0, model.Dimensions.Layers).Select(l => $"blocks.{l}.mlp.hook_post")];

        var means = AttributionPatching.Means(model, batches, hooks);
        var atp = AttributionPatching.Estimate(model, batches, hooks, means);
        double clean = AttributionPatching.MeanLoss(model, batches);
        Assert.True(Math.Abs(clean - atp.CleanLoss) < 1e-4, $"clean loss {clean} vs {atp.CleanLoss} from the gradient pass");
        var top = atp.Ranked().Take(100).ToList();
        var exact = top.Select(u => AttributionPatching.ExactEffect(model, batches, u.Unit, means[u.Unit.Hook][u.Unit.Index], clean)).ToArray();
        var estimated = top.Select(u => u.Effect).ToArray();
        double spearman = Spearman(estimated, exact), pearson = Pearson(estimated, exact);
        output.WriteLine($"AtP vs exact mean-ablation over the top {top.Count} of {atp.Hooks.Sum(h => h.Effects.Length)} units ({atp.Predictions} predictions): Spearman {spearman:F3}, Pearson {pearson:F3}; largest exact {exact.Max(Math.Abs):E3}");
        Assert.True(spearman >= 0.9, $"Spearman {spearman:F3} < 0.9 (Pearson {pearson:F3})");
    }

    private static string ShippedModel()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "models", "sotu-small", "config.json"))) return Path.Combine(d.FullName, "models", "sotu-small");
        throw new InvalidOperationException("models/sotu-small not found above the test folder");
    }

    private static double Spearman(double[] x, double[] y) => Pearson(Ranks(x), Ranks(y));

    private static double[] Ranks(double[] x)
    {
        var order = Enumerable.Range(0, x.Length).OrderBy(i => x[i]).ToArray();
        var ranks = new double[x.Length];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && x[order[j + 1]] == x[order[i]]) j++;
            for (int k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2.0;   // ties share their mean rank
            i = j + 1;
        }
        return ranks;
    }

    private static double Pearson(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); syy += (y[i] - my) * (y[i] - my); }
        return sxy / Math.Sqrt(sxx * syy);
    }
}
