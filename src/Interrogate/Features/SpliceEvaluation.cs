using Interrogate.Subjects;
using Interrogate.Analysis;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Features;

/// <summary>
/// Next-token loss with a dictionary spliced into the forward pass, against the clean model and two
/// ablations of the hook. Loss recovered = (L_ablated − L_spliced) / (L_ablated − L_clean): 1 when
/// the reconstruction is as good as the real activation, 0 when it is no better than ablating it.
/// </summary>
/// <param name="Tokens">Tokens the losses were measured on.</param>
/// <param name="Clean">Mean loss (nats) of the unedited model.</param>
/// <param name="Spliced">Mean loss with the hook replaced by the dictionary's reconstruction.</param>
/// <param name="ZeroAblated">Mean loss with the hook set to zero.</param>
/// <param name="MeanAblated">Mean loss with the hook set to its mean over the held-out rows.</param>
public sealed record SpliceLosses(int Tokens, double Clean, double Spliced, double ZeroAblated, double MeanAblated)
{
    public double RecoveredVersusZero => (ZeroAblated - Spliced) / (ZeroAblated - Clean);
    public double RecoveredVersusMean => (MeanAblated - Spliced) / (MeanAblated - Clean);

    /// <summary>Measures the four losses on the given tokens.</summary>
    /// <param name="model">The model the dictionary was trained on.</param>
    /// <param name="dictionary">Spliced at its output hook.</param>
    /// <param name="tokens">Held-out token ids.</param>
    /// <param name="mean">[OutputWidth] the output hook's mean activation (for mean ablation).</param>
    public static SpliceLosses Measure(CausalLanguageModel model, SparseDictionary dictionary, int[] tokens, float[] mean)
    {
        double Loss(Action<HookScope>? edit)
        {
            using var scope = new HookScope();
            edit?.Invoke(scope);
            return TextLoss.Measure(model, tokens, batchSize: 8).MeanLoss;
        }
        string hook = dictionary.HookOut;
        double clean = Loss(null);
        double spliced = Loss(s => new FeatureUnits(dictionary).Splice(s));
        double zero = Loss(s => s.Edit(hook, t => Tensor.Zeros((int[])t.Shape.Clone())));
        double meanAblated = Loss(s => s.Edit(hook, t =>
        {
            var data = new float[t.Size];
            for (int i = 0; i < data.Length; i++) data[i] = mean[i % mean.Length];
            return new Tensor(data, (int[])t.Shape.Clone());
        }));
        return new SpliceLosses(tokens.Length, clean, spliced, zero, meanAblated);
    }
}
