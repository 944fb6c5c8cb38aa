using Interrogate.Analysis.Importance;
using Folding = Interrogate.Analysis.Redundancy.Folding;
using Interrogate.Features;
using Interrogate.Numerics;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>
/// A dictionary's features as the units `prune` and `prune compare` remove, with every method `prune` offers
/// on neurons: magnitude (‖encoder row‖·‖decoder column‖), Wanda (|W|·‖X‖ over the encoder row and the decoder
/// column), exact mean ablation (optionally screened by attribution patching), Taylor (mean |a·∂L/∂a| at the
/// feature hook) and redundancy (the planner on features). Scores, means and fits use the calibration tokens
/// only; losses are measured on the evaluation tokens with the reconstruction error kept
/// (<see cref="FeatureSubject"/>). Removing features is the neurons' removal on the decoder: their columns go,
/// and either their calibration means go into b_dec or the kept features' columns are refitted by least squares.
/// </summary>
public sealed class FeatureUnitsPruning
{
    private readonly LanguageModelSubject text;
    private LayerStatistics? stats;
    private (double[] Taylor, double[] AtP)? gradients;

    /// <param name="dictionary">The features; its hooks must be hook points of the model.</param>
    /// <param name="text">The model with its calibration and evaluation tokens.</param>
    public FeatureUnitsPruning(SparseDictionary dictionary, LanguageModelSubject text)
    {
        Dictionary = dictionary;
        this.text = text;
        Analysed = new FeatureSubject(dictionary, text);
    }

    public SparseDictionary Dictionary { get; }

    /// <summary>The features over every calibration token: what methods score and choose on (never folded).</summary>
    public FeatureSubject Analysed { get; }

    /// <summary>The features with the calibration tokens split 3/4 to fit, 1/4 held out (redundancy's planner and the refit).</summary>
    public FeatureSubject Split() => new(Dictionary, (LanguageModelSubject)text.CalibrationSplit());

    public LayerStatistics Statistics => stats ??= FeatureStatistics.Measure(Dictionary, text);

    private (double[] Taylor, double[] AtP) Gradients => gradients ??= FeatureStatistics.Gradients(Dictionary, text, Statistics.Mean);

    /// <summary>The method <paramref name="method"/> on features.</summary>
    /// <param name="method">Which method.</param>
    /// <param name="minR2">Redundancy: the held-out R² floor (<see cref="RedundancyPruningMethod.Ranked"/>: none).</param>
    /// <param name="screen">Ablation: measure exactly only attribution patching's shortlist.</param>
    /// <param name="factor">The shortlist's size as a multiple of the features removed.</param>
    public IPruningMethod Method(PruningMethod method, double minR2 = RedundancyPruningMethod.Ranked, PruningScreen screen = PruningScreen.None,
        double factor = ScreenedAblationMethod.DefaultFactor) => method switch
    {
        PruningMethod.Magnitude => PruningMethods.Get(PruningMethod.Magnitude),
        PruningMethod.Wanda => new ScoreMethod(method, "Σ|W|·‖X‖ over the feature's encoder row and decoder column", (n, _) => NeuronImportance.Wanda(n, [Statistics])),
        PruningMethod.Taylor => new ScoreMethod(method, "mean |activation × gradient| at the feature hook", (_, _) => [[.. Gradients.Taylor.Select(v => (float)v)]]),
        PruningMethod.Ablation when screen == PruningScreen.Atp => new ScreenedFeatureAblation(this, factor),
        PruningMethod.Ablation => new ScoreMethod(method, "measured loss increase when the feature is replaced by its mean",
            (_, p) => [Exact([.. Enumerable.Range(0, Dictionary.Latents)], p)]),
        _ => new RedundancyPruningMethod(minR2, _ => Split()),
    };

    /// <summary>
    /// Exact mean-ablation Δloss of each listed feature: the calibration loss with the feature held at its mean
    /// minus the clean calibration loss. A feature constant on the calibration tokens gets exactly 0 without a pass.
    /// </summary>
    public float[] Exact(int[] features, Action<string, double>? progress = null)
    {
        var layer = Analysed.Layers[0];
        var means = Statistics.Mean.Select(m => (double)m).ToArray();
        double clean = Analysed.Evaluate(DataPart.Calibration).Loss;
        var result = new float[features.Length];
        for (int i = 0; i < features.Length; i++)
        {
            if (Statistics.IsConstant(features[i])) continue;
            using (Analysed.MeanAblate(layer, [features[i]], means))
                result[i] = (float)(Analysed.Evaluate(DataPart.Calibration).Loss - clean);
            progress?.Invoke($"mean-ablating {features.Length} features", (i + 1.0) / features.Length);
        }
        return result;
    }

    /// <summary>Calibration moments of the feature activations on the fit part, for the least-squares refit.</summary>
    public ActivationMoments FitMoments()
    {
        var fit = new ActivationMoments(Dictionary.Latents);
        Split().Stream(DataPart.Calibration, (_, rows) => fit.Add(rows));
        return fit;
    }

    /// <summary>
    /// A fresh view of the dictionary over the evaluation tokens with <paramref name="removed"/> gone: their
    /// calibration means folded into b_dec, or the kept features' decoder columns refitted (<paramref name="fit"/>).
    /// Evaluate it for the loss; <see cref="FeatureSubject.Smaller"/> gives the dictionary to save.
    /// </summary>
    public FeatureSubject Removed(int[] removed, Compensation compensation, ActivationMoments? fit = null)
    {
        var result = new FeatureSubject(Dictionary, text);
        if (removed.Length == 0) return result;
        var layer = result.Layers[0];
        if (compensation == Compensation.LeastSquaresRefit)
        {
            var kept = Enumerable.Range(0, layer.Width).Except(removed).ToArray();
            Folding.Fold(layer, LinearFit.Fit(fit ?? FitMoments(), kept, [.. removed.Order()], intercept: true, LinearFit.DefaultRidge));
            return result;
        }
        var w = layer.OutputWeight.Span;   // [OutputWidth, Latents]
        var bias = layer.OutputBias!.Span;
        var mean = Statistics.Mean;
        int n = layer.Width;
        for (int o = 0; o < layer.OutputSize; o++)
        {
            double add = 0;
            foreach (int f in removed) add += (double)mean[f] * w[o * n + f];
            bias[o] += (float)add;
            foreach (int f in removed) w[o * n + f] = 0f;
        }
        return result;
    }

    /// <summary>Attribution patching's estimate of each feature's mean-ablation Δloss (<see cref="FeatureStatistics.Gradients"/>).</summary>
    public double[] AtP => Gradients.AtP;

    private sealed class ScreenedFeatureAblation(FeatureUnitsPruning units, double factor) : IPruningMethod
    {
        private readonly ScreenedAblationMethod named = new(factor);
        public PruningMethod Method => PruningMethod.Ablation;
        public string Label => named.Label;
        public string Description => named.Description;

        public IPruningDecision Analyse(Subject network, Action<string, double>? progress = null) =>
            new ScreenedAblationDecision(units.Analysed.Layers, [units.Statistics], [units.AtP], named.Factor, f => [units.Exact(f[0], progress)]);
    }
}

/// <summary>Compares methods on a dictionary's features (`prune compare --units`): the same two compensations for every method.</summary>
public sealed class FeatureComparisonSubject(FeatureUnitsPruning units, LanguageModelSubject text) : IComparisonSubject
{
    private readonly ActivationMoments fit = units.FitMoments();

    public Subject Analysed => units.Analysed;
    public long RefitRows => fit.Count;
    public string ChosenOn => text.Describe(DataPart.Calibration);
    public string ReportedOn => text.Describe(DataPart.Evaluation);
    public SubjectEvaluation Baseline() => units.Removed([], Compensation.MeanIntoBias).Evaluate();
    public SubjectEvaluation Removed(int[][] removed, Compensation compensation) => units.Removed(removed[0], compensation, fit).Evaluate();
}
