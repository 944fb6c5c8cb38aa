using Interrogate.Analysis.Trace;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Models;
using Interrogate.Text;

namespace Interrogate.Tests.Analysis;

public class PredictionTracerTests
{
    /// <summary>Token i reads as "t{i}"; enough for traces of tiny random models.</summary>
    internal sealed class NumberTokenizer(int vocab) : ITokenizer
    {
        public int VocabSize => vocab;
        public int? BosId => null;
        public int? EosId => null;
        public int? PadId => null;
        public int[] Encode(string text) => [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
        public byte[] DecodeBytes(ReadOnlySpan<int> ids) => System.Text.Encoding.UTF8.GetBytes(Decode(ids));
        public string Decode(ReadOnlySpan<int> ids) => string.Join(" ", ids.ToArray().Select(TokenText));
        public string TokenText(int id) => $"t{id}";
        public string? TokenString(int id) => TokenText(id);
        public int? TokenId(string token) => int.TryParse(token.TrimStart('t'), out int i) ? i : null;
    }

    public static TheoryData<string> Architectures => ["gpt2", "llama", "pythia"];

    private static CausalLanguageModel Model(string arch) => arch switch
    {
        "gpt2" => ModelKit.Gpt2(),
        "llama" => ModelKit.Llama(),
        _ => Models.Families.FamilyKit.Build("pythia-parallel"),   // parallel attention and MLP: no hook_resid_mid
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Trace_DirectLogitAttribution_SumsToLogit(string arch)
    {
        var model = Model(arch);
        var ids = ModelKit.RandomIds(9, model.Dimensions.VocabSize, 3);
        var r = PredictionTracer.Trace(model, new NumberTokenizer(model.Dimensions.VocabSize), ids, -1);
        Assert.Equal(8, r.Position);
        Assert.Equal(r.Logit, r.AttributionSum, 3);
        var heads = r.Layers.Sum(l => l.Heads.Count);
        Assert.Equal(model.Blocks.Count * model.Blocks[0].Attn.Heads, heads);
        Assert.True(r.Predicted.Probability >= r.TopPredictions[^1].Probability);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Trace_Neuron_SourcesSumToPreActivation(string arch)
    {
        var model = Model(arch);
        var ids = ModelKit.RandomIds(7, model.Dimensions.VocabSize, 4);
        var r = PredictionTracer.Trace(model, new NumberTokenizer(model.Dimensions.VocabSize), ids, 4, (1, 3));
        var n = r.Neuron!;
        Assert.Equal(n.PreActivation, n.SourcesSum, 4);
        // Layer 1's neuron reads the embeddings, every layer-0 part and layer 1's heads: nothing from its own MLP.
        Assert.DoesNotContain(n.PreActivationSources, s => s.Source == "L1.mlp");
        Assert.Contains(n.PreActivationSources, s => s.Source == "L0.mlp");
        // A parallel block's MLP reads the block's input: its own layer's heads are not among the sources.
        Assert.Equal(!model.Blocks[1].ParallelResidual, n.PreActivationSources.Any(s => s.Source == "L1.H0"));
        Assert.Equal(r.TopPredictions.Count, n.LogitEffects.Count);
    }

    [Fact]
    public void Trace_NeuronLogitEffect_EqualsAblationWhenNormScaleCannotMove()
    {
        // With a huge layer-norm epsilon the final norm's scale is 1/sqrt(var + eps) ≈ 1/sqrt(eps) whatever the
        // residual, so freezing it is exact and a last-layer neuron's direct effect must equal ablating it.
        var model = ModelKit.Gpt2(ModelKit.Gpt2Tiny with { LayerNormEps = 1e8f });
        int last = model.Blocks.Count - 1;
        var ids = ModelKit.RandomIds(6, model.Dimensions.VocabSize, 5);
        var r = PredictionTracer.Trace(model, new NumberTokenizer(model.Dimensions.VocabSize), ids, -1, (last, 2));
        float[] ablated;
        using (GradientTape.NoGrad())
        using (new HookScope().Edit($"blocks.{last}.mlp.hook_post", a =>
        {
            var c = a.Clone();
            int width = c.Shape[2];
            for (int t = 0; t < c.Shape[1]; t++) c.Span[t * width + 2] = 0f;
            return c;
        }))
            ablated = model.Forward(ids).ToArray();
        int v = model.Dimensions.VocabSize, pos = ids.Length - 1;
        double change = r.Logit - ablated[pos * v + r.Predicted.Id];
        double effect = r.Neuron!.LogitEffects[0].Value;
        Assert.True(Math.Abs(change) > 1e-7, "the neuron must matter for the check to mean anything");
        Assert.True(Math.Abs(effect - change) <= 0.02 * Math.Abs(change) + 1e-9, $"direct effect {effect} vs ablation change {change}");
    }

    [Fact]
    public void Trace_PositionOutOfRange_ThrowsNamingFlag()
    {
        var model = ModelKit.Gpt2();
        var e = Assert.Throws<InputException>(() => PredictionTracer.Trace(model, new NumberTokenizer(37), [1, 2, 3], 5));
        Assert.Contains("--position", e.Message);
        var n = Assert.Throws<InputException>(() => PredictionTracer.Trace(model, new NumberTokenizer(37), [1, 2, 3], -1, (0, 999)));
        Assert.Contains("--neuron", n.Message);
    }

    /// <summary>Gemma 2's post-norms and final soft-cap make the logit no sum of components: trace refuses, naming the model.</summary>
    [Fact]
    public void Trace_Gemma2PostNormsAndSoftCap_RefusesNamingModel()
    {
        var model = Interrogate.Tests.Models.Families.FamilyKit.Build("gemma2-softcap-window");
        var e = Assert.Throws<InputException>(() => PredictionTracer.Trace(model, new NumberTokenizer(model.Dimensions.VocabSize), [1, 2, 3], -1));
        Assert.Contains("--model", e.Message);
        Assert.Contains("soft-cap", e.Message);
    }
}
