using System.Globalization;
using Interrogate.Analysis.Trace;
using Interrogate.Demo;
using Interrogate.Tests.Models;
using Interrogate.Text;

namespace Interrogate.Tests.Demo;

public sealed class TraceStageTests
{
    /// <summary>Token i reads as " t{i}"; prompts are ids separated by spaces.</summary>
    private sealed class NumberTokenizer(int vocab) : ITokenizer
    {
        public int VocabSize => vocab;
        public int? BosId => null;
        public int? EosId => null;
        public int? PadId => null;
        public int[] Encode(string text) => [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        public byte[] DecodeBytes(ReadOnlySpan<int> ids) => System.Text.Encoding.UTF8.GetBytes(Decode(ids));
        public string Decode(ReadOnlySpan<int> ids) => string.Concat(ids.ToArray().Select(TokenText));
        public string TokenText(int id) => $" t{id}";
        public string? TokenString(int id) => TokenText(id);
        public int? TokenId(string token) => null;
    }

    [Fact]
    public void Run_TinyModel_EverySentenceCarriesTheMeasuredValues()
    {
        var model = ModelKit.Gpt2();
        var tokenizer = new NumberTokenizer(model.Dimensions.VocabSize);
        var section = TraceStage.Run(model, tokenizer, "3 1 4 1 5", (1, 2));
        var trace = Assert.IsType<TraceResult>(section.Data);
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

        var ranked = trace.DirectLogitAttribution.OrderByDescending(c => Math.Abs(c.Value)).ToList();
        double share = Math.Abs(ranked[0].Value) / ranked.Sum(c => Math.Abs(c.Value));
        Assert.Contains($"predicts “{trace.Predicted.Token}” with p = {F(trace.Predicted.Probability, "P1")}, ahead of “{trace.TopPredictions[1].Token}” (p = {F(trace.TopPredictions[1].Probability, "P1")})", section.Answer);
        Assert.Contains($"Its logit {F(trace.Logit, "F2")} splits into {trace.DirectLogitAttribution.Count} per-component contributions summing to {F(trace.AttributionSum, "F2")} (gap {F(Math.Abs(trace.Logit - trace.AttributionSum), "G2")})", section.Answer);
        Assert.Contains($"the largest in size is {ranked[0].Source} ({F(ranked[0].Value, "+0.00;-0.00;0.00")}, {F(share, "P0")} of the summed absolute contributions; next {ranked[1].Source}", section.Answer);
        var n = trace.Neuron!;
        Assert.Contains($"Neuron L1.N2 has pre-activation {F(n.PreActivation, "F2")} (its {n.PreActivationSources.Count} sources sum to {F(n.SourcesSum, "F2")})", section.Answer);
        Assert.DoesNotContain("exactly", section.Answer);
        Assert.DoesNotContain("mostly", section.Answer);
    }
}
